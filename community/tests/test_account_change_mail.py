"""Issue 15, finding 3: the owner's address was told nothing when an address was
added, made primary or removed, or the password changed.

Now each change mails the address that may belong to the owner: the primary
address (an address added, removed, the password changed or reset), the old
primary when another one takes its place, and the removed address itself. These
mails carry no key, so they go through the outbox with the step, like the other
notifications: a mail server that is down delays them, it never turns the
change into an error page.
"""

from unittest import mock

from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from community.tests.account_helpers import (
    client_from_fresh_ip,
    fresh_email,
    link_in,
    make_fresh_member,
)
from community.tests.test_account_email_outage import mail_server_down
from devdata.personas import PASSWORD
from outbox import services as outbox_services
from outbox.models import OutboundEmail

EMAIL = reverse("account_email")
NEW_PASSWORD = "a brand new password 77"


class AccountChangeMailTestCase(TestCase):
    def setUp(self) -> None:
        # allauth counts re-authentications per user id, which a later test's
        # user may reuse: start each test from zero.
        cache.clear()
        self.member = make_fresh_member("SunnyMina")
        self.owner_address = self.member.email
        self.client = client_from_fresh_ip()
        self.client.force_login(self.member)
        # The member typed the password a moment ago (the other test file
        # shows what happens without).
        self.client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    def mail_to(self, address: str) -> list[OutboundEmail]:
        return list(OutboundEmail.objects.filter(recipient=address).order_by("pk"))

    def second_address(self, *, primary: bool = False) -> EmailAddress:
        return EmailAddress.objects.create(
            user=self.member,
            email=fresh_email("second"),
            verified=True,
            primary=primary,
        )

    def assert_told(self, address: str, subject: str, *words: str) -> OutboundEmail:
        messages = self.mail_to(address)
        self.assertEqual([m.subject for m in messages], [f"DiseaseMaps: {subject}"])
        body = messages[0].body
        for word in ["Hello,", "If it was not you", *words]:
            self.assertIn(word, body)
        # The house wording, not allauth's; and no address a reader did not
        # already see in the mail's own To: line.
        self.assertNotIn("You are receiving this mail", body)
        self.assertNotIn("example.com", body)
        return messages[0]

    def test_adding_an_address_tells_the_primary_address(self):
        new = fresh_email("new")

        self.client.post(EMAIL, {"action_add": "", "email": new})

        self.assertTrue(EmailAddress.objects.filter(email=new).exists())
        self.assert_told(self.owner_address, "An address was added to your account")
        # The new address only gets its confirmation link, directly.
        self.assertEqual(self.mail_to(new), [])
        self.assertEqual([m.to for m in mail.outbox], [[new]])

    def test_making_another_address_primary_tells_the_old_one(self):
        other = self.second_address()

        self.client.post(EMAIL, {"action_primary": "", "email": other.email})

        self.assertTrue(EmailAddress.objects.get(pk=other.pk).primary)
        self.assert_told(
            self.owner_address, "Your account's email address changed", other.email
        )

    def test_removing_an_address_tells_the_removed_one_and_the_primary(self):
        EmailAddress.objects.filter(email=self.owner_address).update(primary=False)
        other = self.second_address(primary=True)

        self.client.post(EMAIL, {"action_remove": "", "email": self.owner_address})

        self.assertFalse(EmailAddress.objects.filter(email=self.owner_address).exists())
        self.assert_told(self.owner_address, "An address was removed from your account")
        self.assert_told(other.email, "An address was removed from your account")

    def test_changing_the_password_tells_the_primary_address(self):
        response = self.client.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )

        self.assertEqual(response.status_code, 302)
        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password(NEW_PASSWORD))
        self.assert_told(self.owner_address, "Your password changed")

    def test_a_password_reset_tells_the_primary_address(self):
        anonymous = client_from_fresh_ip()
        anonymous.post(reverse("account_reset_password"), {"email": self.owner_address})
        form = anonymous.get(link_in(mail.outbox[-1].body), follow=True)
        anonymous.post(
            form.request["PATH_INFO"],
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password(NEW_PASSWORD))
        self.assert_told(self.owner_address, "Your password changed")

    def test_a_mail_server_that_is_down_does_not_undo_the_change(self):
        with (
            mail_server_down(),
            # As a fresh process: no recent failure that leaves sending to the
            # command; and the pause this failure starts ends with the test.
            mock.patch.object(outbox_services, "_paused_until", 0.0),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.client.post(
                reverse("account_change_password"),
                {
                    "oldpassword": PASSWORD,
                    "password1": NEW_PASSWORD,
                    "password2": NEW_PASSWORD,
                },
            )

        self.assertEqual(response.status_code, 302)
        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password(NEW_PASSWORD))
        # Still queued, tried again later by send_queued_email.
        message = self.mail_to(self.owner_address)[0]
        self.assertEqual(message.status, OutboundEmail.Status.QUEUED)
        self.assertEqual(message.attempts, 1)

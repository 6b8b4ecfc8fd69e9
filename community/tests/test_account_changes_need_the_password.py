"""Issue 15, finding 3: a member's open session alone could take the account
over, silently: add an address, make it primary, remove the owner's, then set
a new password through a reset mailed to the new address.

Every change to the account (addresses, password, the data export, deletion,
withdrawing consent) now needs the password typed within the last
ACCOUNT_REAUTHENTICATION_TIMEOUT seconds; a request without it is kept, the
member types the password, and the request goes through. Whoever holds only
the session (a shared computer, a stolen cookie) gets the password page.
"""

import time

from allauth.account.models import EmailAddress
from django.conf import settings
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
from devdata.personas import PASSWORD

EMAIL = reverse("account_email")
REAUTH = reverse("account_reauthenticate")
THIEFS_PASSWORD = "the thief's password 9"


def asked_for_the_password(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(REAUTH)


class OpenSessionTestCase(TestCase):
    """A session that never typed the password since it logged in: as
    `force_login` leaves it, like a cookie taken from the member's browser."""

    def setUp(self) -> None:
        # allauth counts re-authentications per user id, which a later test's
        # user may reuse: start each test from zero.
        cache.clear()
        self.member = make_fresh_member("SunnyMina")
        self.owner_address = self.member.email
        self.client = client_from_fresh_ip()
        self.client.force_login(self.member)

    def planted(self, *, verified: bool = True, primary: bool = False):
        return EmailAddress.objects.create(
            user=self.member,
            email=fresh_email("thief"),
            verified=verified,
            primary=primary,
        )

    def test_the_whole_takeover_stops_at_the_first_step(self):
        thief = fresh_email("thief")
        response = self.client.post(EMAIL, {"action_add": "", "email": thief})
        # As far as the thief gets on today's code: confirm the planted address
        # from their own mailbox, make it primary, remove the owner's, and set
        # a new password through a reset mailed to the planted address.
        for message in mail.outbox:
            if thief in message.to:
                self.client.post(link_in(message.body))
        self.client.post(EMAIL, {"action_primary": "", "email": thief})
        self.client.post(EMAIL, {"action_remove": "", "email": self.owner_address})
        mail.outbox.clear()
        client_from_fresh_ip().post(reverse("account_reset_password"), {"email": thief})
        for message in mail.outbox:
            if thief in message.to:
                reset_form = self.client.get(link_in(message.body), follow=True)
                self.client.post(
                    reset_form.request["PATH_INFO"],
                    {"password1": THIEFS_PASSWORD, "password2": THIEFS_PASSWORD},
                )

        self.member.refresh_from_db()
        self.assertFalse(self.member.check_password(THIEFS_PASSWORD))
        self.assertTrue(self.member.check_password(PASSWORD))
        owner = EmailAddress.objects.filter(email=self.owner_address).first()
        self.assertIsNotNone(owner)
        self.assertTrue(owner.primary)
        self.assertFalse(EmailAddress.objects.filter(email=thief).exists())
        self.assertTrue(asked_for_the_password(response), response)

    def test_adding_an_address_asks_for_the_password(self):
        new = fresh_email("new")
        response = self.client.post(EMAIL, {"action_add": "", "email": new})

        self.assertTrue(asked_for_the_password(response), response)
        self.assertFalse(EmailAddress.objects.filter(email=new).exists())
        self.assertEqual(mail.outbox, [])

    def test_making_another_address_primary_asks_for_the_password(self):
        other = self.planted()

        response = self.client.post(EMAIL, {"action_primary": "", "email": other.email})

        self.assertTrue(asked_for_the_password(response), response)
        other.refresh_from_db()
        self.assertFalse(other.primary)
        self.assertTrue(EmailAddress.objects.get(email=self.owner_address).primary)

    def test_removing_an_address_asks_for_the_password(self):
        other = self.planted()

        response = self.client.post(EMAIL, {"action_remove": "", "email": other.email})

        self.assertTrue(asked_for_the_password(response), response)
        self.assertTrue(EmailAddress.objects.filter(pk=other.pk).exists())

    def test_the_data_export_asks_for_the_password(self):
        response = self.client.get(reverse("community:export"))

        self.assertTrue(asked_for_the_password(response), response)
        self.assertNotIn("Content-Disposition", response)

    def test_the_email_page_itself_still_shows(self):
        # Reading one's own settings is not a change: no password for that.
        self.assertContains(self.client.get(EMAIL), self.owner_address)


class AfterThePasswordTestCase(TestCase):
    def setUp(self) -> None:
        # allauth counts re-authentications per user id, which a later test's
        # user may reuse: start each test from zero.
        cache.clear()
        self.member = make_fresh_member("SunnyMina")
        self.client = client_from_fresh_ip()
        self.client.force_login(self.member)

    def reauthenticate(self, response, password: str = PASSWORD):
        self.assertTrue(asked_for_the_password(response), response)
        return self.client.post(response["Location"], {"password": password})

    def test_the_kept_request_goes_through_after_the_password(self):
        new = fresh_email("new")
        asked = self.client.post(EMAIL, {"action_add": "", "email": new})

        done = self.reauthenticate(asked)

        self.assertRedirects(done, EMAIL, fetch_redirect_response=False)
        added = EmailAddress.objects.get(email=new)
        self.assertEqual(added.user, self.member)
        self.assertFalse(added.verified)
        # And for the next few minutes, no second prompt.
        other = fresh_email("other")
        again = self.client.post(EMAIL, {"action_add": "", "email": other})
        self.assertRedirects(again, EMAIL, fetch_redirect_response=False)
        self.assertTrue(EmailAddress.objects.filter(email=other).exists())

    def test_the_export_downloads_after_the_password(self):
        asked = self.client.get(reverse("community:export"))

        done = self.reauthenticate(asked)

        self.assertRedirects(
            done, reverse("community:export"), fetch_redirect_response=False
        )
        export = self.client.get(reverse("community:export"))
        self.assertEqual(export.status_code, 200)
        self.assertIn("attachment", export["Content-Disposition"])

    def test_a_wrong_password_changes_nothing(self):
        new = fresh_email("new")
        asked = self.client.post(EMAIL, {"action_add": "", "email": new})

        refused = self.reauthenticate(asked, "not the password")

        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "password")
        self.assertFalse(EmailAddress.objects.filter(email=new).exists())

    def test_the_password_is_asked_again_once_the_timeout_passed(self):
        self.reauthenticate(self.client.get(reverse("community:export")))
        session = self.client.session
        records = session["account_authentication_methods"]
        for record in records:
            record["at"] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
        session["account_authentication_methods"] = records
        session.save()

        response = self.client.get(reverse("community:export"))

        self.assertTrue(asked_for_the_password(response), response)

    def test_the_timeout_is_a_few_minutes(self):
        self.assertTrue(settings.ACCOUNT_REAUTHENTICATION_REQUIRED)
        self.assertEqual(settings.ACCOUNT_REAUTHENTICATION_TIMEOUT, 5 * 60)

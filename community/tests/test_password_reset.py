"""A member who forgot the password sets a new one through a link sent by email;
the answer is the same whether or not the address has an account."""

from django.core import mail
from django.test import TestCase
from django.urls import reverse

from community.tests.account_helpers import (
    client_from_fresh_ip,
    fresh_email,
    link_in,
    make_fresh_member,
)
from devdata.personas import PASSWORD

RESET = reverse("account_reset_password")
NEW_PASSWORD = "a brand new passphrase 77"


class PasswordResetTestCase(TestCase):
    def setUp(self) -> None:
        self.client = client_from_fresh_ip()
        self.member = make_fresh_member("SunnyMina")

    def test_a_member_resets_the_password_by_email_and_logs_in_with_it(self):
        response = self.client.post(RESET, {"email": self.member.email.upper()})

        self.assertRedirects(response, reverse("account_reset_password_done"))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [self.member.email])
        self.assertEqual(message.subject, "DiseaseMaps: Set a new password")
        self.assertIn("To choose a new password, open this link", message.body)
        self.assertNotIn(self.member.username, message.body)

        # allauth moves the key from the URL into the session, then shows the form.
        form_page = self.client.get(link_in(message.body), follow=True)
        self.assertContains(form_page, 'name="password1"')
        changed = self.client.post(
            form_page.request["PATH_INFO"],
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

        self.assertRedirects(changed, reverse("account_reset_password_from_key_done"))
        self.member.refresh_from_db()
        self.assertTrue(self.member.check_password(NEW_PASSWORD))
        # Not logged in by the reset itself: the member logs in with the new one.
        self.assertNotIn("_auth_user_id", self.client.session)
        old = self.client.post(
            reverse("account_login"), {"login": self.member.email, "password": PASSWORD}
        )
        self.assertEqual(old.status_code, 200)
        new = self.client.post(
            reverse("account_login"),
            {"login": self.member.email, "password": NEW_PASSWORD},
        )
        self.assertRedirects(new, "/me/", fetch_redirect_response=False)

    def test_a_used_link_does_not_work_twice(self):
        self.client.post(RESET, {"email": self.member.email})
        link = link_in(mail.outbox[0].body)
        form_page = self.client.get(link, follow=True)
        self.client.post(
            form_page.request["PATH_INFO"],
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

        again = self.client.get(link, follow=True)

        self.assertContains(again, "invalid")
        self.assertNotContains(again, 'name="password1"')

    def test_an_unknown_address_gets_the_same_answer(self):
        nobody = fresh_email("nobody")
        response = self.client.post(RESET, {"email": nobody})

        self.assertRedirects(response, reverse("account_reset_password_done"))
        # The mail goes to whoever owns that address, and holds no reset link.
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [nobody])
        self.assertNotIn("/password/reset/key/", mail.outbox[0].body)

"""The mail server is down while someone signs up or asks for a password reset.

Account emails are sent at once (they carry keys, so they are never queued).
When the server refuses, the reader gets a page that says what happened and
what to do (503, Retry-After), not an error page; the page gives nothing away
about which addresses have accounts; the log names the kind of email, never
the address; and once the server is back, what the page promised works.
"""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse

from community.accounts import MAIL_RETRY_AFTER
from community.tests.account_helpers import (
    client_from_fresh_ip,
    fresh_email,
    link_in,
    member_for_email,
    signup_data,
)
from devdata.personas import PASSWORD, closed_port, make_member


def mail_server_down():
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=closed_port(),
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=5,
    )


def page_text(response) -> str:
    """The page as a reader sees it: text only, without per-request tokens."""
    html = response.content.decode()
    main = re.search(r"<main\b.*?</main>", html, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return " ".join(text.split())


class AccountEmailOutageTestCase(TestCase):
    def assert_outage_page(self, response) -> str:
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], str(MAIL_RETRY_AFTER))
        text = page_text(response)
        self.assertIn("We could not send the email", text)
        self.assertIn("Our mail server is not answering", text)
        return text

    def test_sign_up_keeps_the_account_and_logging_in_later_sends_the_link(self):
        data = signup_data()
        with (
            mail_server_down(),
            self.assertLogs("community.accounts", "WARNING") as logs,
            # One warning, not also an error (and an error mail) per request.
            self.assertNoLogs("django.request", "WARNING"),
        ):
            response = client_from_fresh_ip().post(reverse("account_signup"), data)
        text = self.assert_outage_page(response)
        self.assertIn("your account is saved", text)
        self.assertIn(reverse("account_login"), response.content.decode())
        # The account and its profile were saved before the email failed.
        member = member_for_email(data["email"])
        self.assertIsNotNone(member)
        self.assertEqual(member.pseudonym, data["pseudonym"])
        self.assertEqual(
            logs.output,
            [
                "WARNING:community.accounts:Account email "
                "email_confirmation_signup not sent, the mail server failed: "
                "ConnectionRefusedError"
            ],
        )
        self.assertNotIn(data["email"], "\n".join(logs.output))

        # The server is back (the test mail backend): logging in sends the
        # confirmation link, as the page said, and the link confirms.
        client = client_from_fresh_ip()
        response = client.post(
            reverse("account_login"), {"login": data["email"], "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, [data["email"]])
        confirm = link_in(mail.outbox[0].body)
        self.assertEqual(client.post(confirm).status_code, 302)
        self.assertTrue(
            get_user_model()
            .objects.get(email=data["email"])
            .emailaddress_set.get()
            .verified
        )

    def test_sign_up_with_a_known_address_looks_the_same(self):
        known = make_member("known", pseudonym="Known reader")
        with mail_server_down(), self.assertLogs("community.accounts", "WARNING"):
            new = client_from_fresh_ip().post(reverse("account_signup"), signup_data())
            taken = client_from_fresh_ip().post(
                reverse("account_signup"), signup_data(email=known.email)
            )
        self.assertEqual(self.assert_outage_page(new), self.assert_outage_page(taken))

    def test_password_reset_says_to_ask_again_for_known_and_unknown_addresses(self):
        known = make_member("resetter", pseudonym="Resetting reader")
        with (
            mail_server_down(),
            self.assertLogs("community.accounts", "WARNING") as logs,
        ):
            for_known = client_from_fresh_ip().post(
                reverse("account_reset_password"), {"email": known.email}
            )
            unknown = fresh_email("nobody")
            for_unknown = client_from_fresh_ip().post(
                reverse("account_reset_password"), {"email": unknown}
            )
        text = self.assert_outage_page(for_known)
        self.assertEqual(text, self.assert_outage_page(for_unknown))
        self.assertIn("ask for the password reset again", text)
        self.assertEqual(len(logs.output), 2)
        for line in logs.output:
            self.assertNotIn(known.email, line)
            self.assertNotIn(unknown, line)

        # Back up: asking again sends the reset link.
        response = client_from_fresh_ip().post(
            reverse("account_reset_password"), {"email": known.email}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("/accounts/password/reset/key/", mail.outbox[0].body)

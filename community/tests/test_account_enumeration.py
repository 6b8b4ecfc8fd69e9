"""Whether an address has an account is nobody else's business: login,
password reset and sign-up answer an address with an account exactly as one
without (status, templates, redirect, page text). The admin login does the
same for usernames. Pages are compared after the CSRF token and the typed
address are blanked out; everything else must be byte for byte the same."""

import re

from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse

from community.tests.account_helpers import (
    client_from_fresh_ip,
    fresh_email,
    make_fresh_member,
    signup_data,
)
from devdata.personas import PASSWORD, make_user, record_figure

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def normalised(response, *typed: str) -> str:
    body = response.content.decode()
    body = CSRF.sub('name="csrfmiddlewaretoken" value=""', body)
    for value in filter(None, typed):
        body = body.replace(value, "TYPED")
    return body


def templates(response) -> list[str]:
    """The templates of the page. Mail templates are left out: the mail goes
    to whoever reads that mailbox, who may learn that it has an account."""
    return [t.name for t in response.templates if "/email/" not in t.name]


class AccountEnumerationTestCase(TestCase):
    def setUp(self) -> None:
        self.member = make_fresh_member("SunnyMina")

    def assert_same(self, known, unknown, known_typed: str, unknown_typed: str):
        record_figure("account enumeration: request pairs compared")
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(templates(known), templates(unknown))
        self.assertEqual(known.get("Location"), unknown.get("Location"))
        self.assertEqual(
            normalised(known, known_typed), normalised(unknown, unknown_typed)
        )

    def post_pair(self, url: str, data, known_value: str, unknown_value: str):
        """The same form sent once with a name that has an account, once with
        one that has none, each from an address of its own; after a redirect
        the next page is compared too, with any message left for it."""
        responses = []
        for value in (known_value, unknown_value):
            client = client_from_fresh_ip()
            response = client.post(url, data(value))
            after = (
                client.get(response["Location"])
                if response.status_code == 302
                else None
            )
            responses.append((response, after))
        (known, known_after), (unknown, unknown_after) = responses
        self.assert_same(known, unknown, known_value.strip(), unknown_value.strip())
        if known_after is not None:
            self.assert_same(
                known_after, unknown_after, known_value.strip(), unknown_value.strip()
            )
        return known, unknown

    def test_login_with_a_wrong_password_answers_the_same(self):
        for variant in (str.lower, str.upper, lambda s: f"  {s} "):
            with self.subTest(variant=variant("Ab")):
                known_value = variant(self.member.email)
                unknown_value = variant(fresh_email("nobody"))
                known, _ = self.post_pair(
                    reverse("account_login"),
                    lambda login: {"login": login, "password": "not it at all"},
                    known_value,
                    unknown_value,
                )
                self.assertEqual(known.status_code, 200)
                self.assertContains(known, "email address and/or password")

    def test_password_reset_answers_the_same(self):
        known, _ = self.post_pair(
            reverse("account_reset_password"),
            lambda email: {"email": email},
            self.member.email,
            fresh_email("nobody"),
        )
        self.assertRedirects(
            known, reverse("account_reset_password_done"), fetch_redirect_response=False
        )

    def test_sign_up_with_a_taken_address_answers_the_same(self):
        pseudonyms = iter(["Reader one", "Reader two"])
        known, _ = self.post_pair(
            reverse("account_signup"),
            lambda email: signup_data(email=email, pseudonym=next(pseudonyms)),
            self.member.email,
            fresh_email("nobody"),
        )
        self.assertEqual(known.status_code, 302)

    def test_admin_login_answers_the_same_for_unknown_usernames(self):
        staff = make_user("wendy")
        known, _ = self.post_pair(
            reverse("admin:login"),
            lambda username: {"username": username, "password": "not it at all"},
            staff.username,
            "nobody-by-this-name",
        )
        self.assertEqual(known.status_code, 200)

    # allauth's own limit off, and a low axes limit: each failure costs a hash.
    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": ""}, AXES_FAILURE_LIMIT=3)
    def test_a_locked_out_address_looks_like_a_locked_out_unknown_address(self):
        # axes counts failures for any name typed, account or not.
        known_value, unknown_value = self.member.email, fresh_email("nobody")
        responses = []
        for login in (known_value, unknown_value):
            client = client_from_fresh_ip()
            for _ in range(settings.AXES_FAILURE_LIMIT):
                client.post(reverse("account_login"), {"login": login, "password": "x"})
            responses.append(
                client.post(
                    reverse("account_login"), {"login": login, "password": PASSWORD}
                )
            )
        self.assertEqual(responses[0].status_code, 429)
        self.assert_same(*responses, known_value, unknown_value)

"""Sign-up: a pseudonym and an explicit consent, or no account at all; the
address must be confirmed by email, and nothing of it becomes public."""

import re
from datetime import timedelta
from unittest import mock

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from community.models import CONSENT_TEXT, CONSENT_VERSION, Member
from community.tests.account_helpers import (
    client_from_fresh_ip,
    fresh_ip,
    link_in,
    make_fresh_member,
    member_for_email,
    signup_data,
)

User = get_user_model()
SIGNUP = reverse("account_signup")
# One wording for a name taken, kept or too like another (issue 15, finding 6).
UNAVAILABLE = "This name is taken, kept for the site, or too like another name"


class SignUpTestCase(TestCase):
    def setUp(self) -> None:
        self.client = client_from_fresh_ip()

    def assert_refused(self, data: dict, message: str) -> None:
        response = self.client.post(SIGNUP, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertFalse(User.objects.filter(email__iexact=data["email"]).exists())
        self.assertFalse(EmailAddress.objects.filter(email=data["email"]).exists())
        self.assertEqual(mail.outbox, [])

    def test_the_form_asks_for_consent_in_the_agreed_words(self):
        response = self.client.get(SIGNUP)
        self.assertContains(response, CONSENT_TEXT)
        self.assertContains(response, 'name="consent"')
        self.assertContains(response, 'name="pseudonym"')

    def test_it_refuses_sign_up_without_consent(self):
        data = signup_data(consent=None)
        self.assert_refused(data, "We can only create an account if you agree")
        self.assertFalse(Member.objects.filter(pseudonym=data["pseudonym"]).exists())

    def test_it_refuses_a_taken_pseudonym_whatever_the_letter_case(self):
        make_fresh_member("SunnyMina")
        for taken in ("SunnyMina", "sunnymina", "SUNNYMINA", "  sunnyMina "):
            with self.subTest(taken=taken):
                self.assert_refused(
                    signup_data(pseudonym=taken),
                    UNAVAILABLE,
                )
        self.assertEqual(
            Member.objects.filter(pseudonym__iexact="sunnymina").count(), 1
        )

    def test_it_refuses_an_email_address_as_pseudonym(self):
        data = signup_data()
        self.assert_refused(
            {**data, "pseudonym": data["email"]}, "This looks like an email address"
        )
        self.assert_refused(
            signup_data(pseudonym="jane@example"), "This looks like an email address"
        )

    def test_it_refuses_pseudonyms_of_the_wrong_length_or_characters(self):
        cases = {
            "ab": "Use between 3 and 40 characters",
            "x" * 41: "Ensure this value has at most 40 characters",
            "<b>Jane</b>": "Use only letters, digits, spaces",
            "-Jane": "Use only letters, digits, spaces",
            "Former member": UNAVAILABLE,
            "Moderator": UNAVAILABLE,
        }
        for pseudonym, message in cases.items():
            with self.subTest(pseudonym=pseudonym):
                self.assert_refused(signup_data(pseudonym=pseudonym), message)

    def test_it_accepts_letters_of_any_alphabet_digits_and_dot_dash_underscore(self):
        for pseudonym in ("José M.", "Anna_K-1987", "Łucja", "小林花子"):
            with self.subTest(pseudonym=pseudonym):
                data = signup_data(pseudonym=pseudonym)
                response = self.client.post(SIGNUP, data)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(member_for_email(data["email"]).pseudonym, pseudonym)

    def test_a_good_sign_up_creates_a_member_with_consent_and_a_verification_mail(self):
        data = signup_data(pseudonym="  Quiet   Heron ", country="IE")
        before = timezone.now()

        response = self.client.post(SIGNUP, data)

        self.assertRedirects(response, reverse("account_email_verification_sent"))
        user = User.objects.get(email=data["email"])
        self.assertTrue(user.is_active)
        self.assertFalse(user.is_staff)
        self.assertTrue(user.check_password(data["password1"]))
        member = user.member
        self.assertEqual(member.pseudonym, "Quiet Heron")
        self.assertEqual(member.country, "IE")
        self.assertEqual(member.consent_version, CONSENT_VERSION)
        self.assertGreaterEqual(member.health_data_consent_at, before)
        self.assertLess(member.health_data_consent_at - before, timedelta(minutes=1))
        address = EmailAddress.objects.get(user=user)
        self.assertEqual((address.email, address.verified), (data["email"], False))

        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.to, [data["email"]])
        self.assertEqual(message.subject, "DiseaseMaps: Confirm your email address")
        self.assertIn("Quiet Heron", message.body)
        self.assertIn("press “Confirm”", message.body)

        confirm_page = self.client.get(link_in(message.body))
        self.assertContains(confirm_page, "Confirm your email address")
        self.assertNotContains(confirm_page, data["email"])
        confirmed = self.client.post(link_in(message.body))

        self.assertRedirects(
            confirmed, reverse("account_login"), fetch_redirect_response=False
        )
        address.refresh_from_db()
        self.assertTrue(address.verified)
        self.assertTrue(address.primary)

    def test_the_page_after_sign_up_says_what_to_do_without_showing_the_address(self):
        data = signup_data()
        response = self.client.post(SIGNUP, data, follow=True)
        self.assertContains(response, "<h1>Check your email</h1>", html=True)
        self.assertNotContains(response, data["email"])

    def test_the_username_holds_nothing_from_the_email_address(self):
        data = signup_data(email="jane.doe.1984@example.org", pseudonym="Kestrel")
        self.client.post(SIGNUP, data)

        username = User.objects.get(email=data["email"]).username

        self.assertRegex(username, r"^member-[0-9a-f]{12}$")
        for part in re.split(r"[.@]", data["email"]):
            self.assertNotIn(part, username)

    def test_an_address_that_already_has_an_account_gets_no_second_one(self):
        existing = make_fresh_member("SunnyMina")
        data = signup_data(email=existing.email.upper())

        response = self.client.post(SIGNUP, data)

        # The same answer as for a new address: who is a member stays private.
        self.assertRedirects(response, reverse("account_email_verification_sent"))
        self.assertEqual(User.objects.filter(email__iexact=existing.email).count(), 1)
        self.assertFalse(Member.objects.filter(pseudonym=data["pseudonym"]).exists())
        self.assertEqual(len(mail.outbox), 1)
        self.assertNotIn("/confirm-email/", mail.outbox[0].body)

    def test_a_pseudonym_taken_during_sign_up_leaves_no_account_behind(self):
        make_fresh_member("SunnyMina")
        data = signup_data(pseudonym="sunnymina")
        users = User.objects.count()

        # As if another sign-up saved the name after this form was validated.
        with mock.patch("community.accounts.pseudonym_taken", return_value=False):
            response = self.client.post(SIGNUP, data)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, UNAVAILABLE)
        self.assertEqual(User.objects.count(), users)
        self.assertFalse(EmailAddress.objects.filter(email=data["email"]).exists())
        self.assertEqual(mail.outbox, [])

    def test_a_look_alike_name_saved_during_sign_up_leaves_no_account_behind(self):
        make_fresh_member("SunnyMina")
        data = signup_data(pseudonym="Sunny\u041cina")  # a Cyrillic "М"
        users = User.objects.count()

        # As if another sign-up saved the look-alike after this form's check.
        with mock.patch("community.accounts.clean_pseudonym", side_effect=str):
            response = self.client.post(SIGNUP, data)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, UNAVAILABLE)
        self.assertEqual(User.objects.count(), users)
        self.assertFalse(EmailAddress.objects.filter(email=data["email"]).exists())
        self.assertEqual(mail.outbox, [])


class SignUpRateLimitTestCase(TestCase):
    def test_it_answers_429_after_the_sign_up_limit_for_one_address(self):
        limit = int(settings.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
        client = client_from_fresh_ip()
        # Refused forms count too: the limit is on attempts, not on accounts.
        for _ in range(limit):
            self.assertEqual(
                client.post(SIGNUP, signup_data(consent=None)).status_code, 200
            )

        response = client.post(SIGNUP, signup_data())

        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many attempts", status_code=429)
        self.assertEqual(User.objects.filter(member__isnull=False).count(), 0)
        # Someone else, elsewhere, can still sign up.
        elsewhere = client.__class__(REMOTE_ADDR=fresh_ip())
        self.assertEqual(elsewhere.post(SIGNUP, signup_data()).status_code, 302)

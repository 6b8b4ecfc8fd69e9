"""Django's password validators, as a person meets them: on the sign-up form.
Each weak password is refused with its reason, and no account is made."""

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from community.tests.account_helpers import client_from_fresh_ip, signup_data

SIGNUP = reverse("account_signup")

# password, the words of the validator that refuses it
WEAK = {
    "too short": ("Tq7#vz", "This password is too short"),
    "common": ("password123", "This password is too common"),
    "all digits": ("8530271946", "This password is entirely numeric"),
}


class PasswordRulesTestCase(TestCase):
    def refused(self, data: dict, reason: str) -> None:
        response = client_from_fresh_ip().post(SIGNUP, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, reason)
        self.assertFalse(
            get_user_model().objects.filter(email__iexact=data["email"]).exists()
        )
        self.assertEqual(mail.outbox, [])

    def test_weak_passwords_are_refused_with_the_reason(self):
        for label, (password, reason) in WEAK.items():
            with self.subTest(label):
                self.refused(
                    signup_data(password1=password, password2=password), reason
                )

    def test_a_password_like_the_email_address_is_refused(self):
        data = signup_data(email="rosalind.franklin@example.org")
        data["password1"] = data["password2"] = "rosalind.franklin"
        self.refused(data, "too similar to the email address")

    def test_two_different_passwords_are_refused(self):
        data = signup_data()
        data["password2"] = data["password1"] + "x"
        self.refused(data, "You must type the same password each time")

    def test_a_long_uncommon_password_is_accepted(self):
        response = client_from_fresh_ip().post(SIGNUP, signup_data())
        self.assertEqual(response.status_code, 302)

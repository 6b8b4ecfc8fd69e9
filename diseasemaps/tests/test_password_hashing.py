"""Passwords are stored with Argon2; hashes made before with PBKDF2 still work
and are upgraded at the next login. The rest of the suite runs with a fast
hasher first (conftest.py, for speed); these tests put back the production
list from the settings module, so what they prove is production's hashing."""

import importlib

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, make_password
from django.test import TestCase, override_settings
from django.urls import reverse

from community.tests.account_helpers import client_from_fresh_ip, signup_data
from devdata.personas import PASSWORD, make_member

ARGON2 = "argon2$argon2id$"
PRODUCTION_HASHERS = importlib.import_module(settings.SETTINGS_MODULE).PASSWORD_HASHERS


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
class PasswordHashingTestCase(TestCase):
    def test_the_settings_module_puts_argon2_first(self):
        self.assertEqual(
            PRODUCTION_HASHERS[0], "django.contrib.auth.hashers.Argon2PasswordHasher"
        )
        self.assertEqual(get_hasher("default").algorithm, "argon2")
        # The tests' fast hasher (conftest.py) never reaches production.
        self.assertNotIn(
            "django.contrib.auth.hashers.MD5PasswordHasher", PRODUCTION_HASHERS
        )

    def test_sign_up_stores_an_argon2_hash(self):
        data = signup_data()
        response = client_from_fresh_ip().post(reverse("account_signup"), data)

        self.assertEqual(response.status_code, 302)
        user = get_user_model().objects.get(email=data["email"])
        self.assertTrue(user.password.startswith(ARGON2), user.password[:20])
        self.assertNotIn(PASSWORD, user.password)

    def test_an_old_pbkdf2_hash_logs_in_and_is_upgraded_to_argon2(self):
        member = make_member("mina")
        get_user_model().objects.filter(pk=member.pk).update(
            password=make_password(PASSWORD, hasher="pbkdf2_sha256")
        )
        EmailAddress.objects.filter(user=member).update(verified=True)

        response = client_from_fresh_ip().post(
            reverse("account_login"), {"login": member.email, "password": PASSWORD}
        )

        self.assertEqual(response.status_code, 302)
        member.refresh_from_db()
        self.assertTrue(member.password.startswith(ARGON2), member.password[:20])

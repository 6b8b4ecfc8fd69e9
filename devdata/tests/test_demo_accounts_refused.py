"""Demo and generated accounts (published password and TOTP secret) cannot log
in with DEBUG off, by any path, and `check --deploy` fails while any exist.

The attack (issue 15, finding 5): `load_demo` or `generate_dataset` ran once
against a database that a production server (DEBUG off) then uses; anyone who
read the README logs in as the demo site admin or a demo member.
"""

from io import StringIO

from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import TestCase, override_settings
from django.urls import reverse

from community.tests.account_helpers import client_from_fresh_ip
from devdata.demo import DEMO_PASSWORD
from devdata.personas import make_member
from devdata.terminology import load_sample
from diseasemaps.lib.demo_accounts import DEMO_GROUP, check_no_demo_accounts

User = get_user_model()
NEW_PASSWORD = "a brand new password 4711"


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


class DemoAccountsTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_sample()
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())

    def admin_login(self, username: str, password: str = DEMO_PASSWORD):
        client = client_from_fresh_ip()
        client.post(
            reverse("admin:login"), {"username": username, "password": password}
        )
        return client

    def member_login(self, username: str, password: str = DEMO_PASSWORD):
        client = client_from_fresh_ip()
        email = User.objects.get(username=username).email
        client.post(reverse("account_login"), {"login": email, "password": password})
        return client

    def test_every_demo_account_is_marked(self):
        marked = set(
            User.objects.filter(groups__name=DEMO_GROUP).values_list(
                "username", flat=True
            )
        )
        self.assertEqual(
            marked, {"admin", "wendy", "rita", "sam", "mo", "mina", "omar", "kai"}
        )

    def test_the_demo_admin_cannot_log_in_with_debug_off(self):
        for username in ["admin", "rita", "mo"]:
            with self.subTest(username=username):
                self.assertFalse(logged_in(self.admin_login(username)))

    def test_a_demo_member_cannot_log_in_with_debug_off(self):
        client = self.member_login("mina")
        self.assertFalse(logged_in(client))
        self.assertNotEqual(client.get(reverse("community:me")).status_code, 200)

    def test_a_password_reset_does_not_revive_them(self):
        for user in User.objects.filter(username__in=["admin", "mina"]):
            user.set_password(NEW_PASSWORD)
            user.save()
        self.assertFalse(logged_in(self.admin_login("admin", NEW_PASSWORD)))
        self.assertFalse(logged_in(self.member_login("mina", NEW_PASSWORD)))

    def test_a_session_from_a_login_without_password_ends_at_the_next_request(self):
        # Email confirmation, password reset and force_login all end in
        # django.contrib.auth.login, without a password check.
        client = client_from_fresh_ip()
        client.force_login(User.objects.get(username="mina"))

        response = client.get(reverse("community:me"), follow=True)

        self.assertFalse(logged_in(client))
        self.assertContains(response, "Demo accounts cannot log in on this site")

    def test_real_accounts_still_log_in(self):
        member = make_member("realperson")
        client = client_from_fresh_ip()
        client.post(
            reverse("account_login"),
            {"login": member.email, "password": "a long test password 42"},
        )
        self.assertTrue(logged_in(client))
        self.assertEqual(client.get(reverse("community:me")).status_code, 200)

    @override_settings(DEBUG=True)
    def test_with_debug_on_they_log_in_as_the_readme_says(self):
        self.assertTrue(logged_in(self.member_login("mina")))
        self.assertTrue(logged_in(self.admin_login("wendy")))

    def test_check_deploy_fails_while_any_exist(self):
        (error,) = check_no_demo_accounts()
        self.assertEqual(error.id, "diseasemaps.E001")
        self.assertIn("8 demo or generated account(s)", error.msg)
        self.assertIn(DEMO_GROUP, error.hint)
        with self.assertRaises(SystemCheckError) as raised:
            call_command("check", "--deploy", stdout=StringIO(), stderr=StringIO())
        self.assertIn("diseasemaps.E001", str(raised.exception))

        # Removed (their reviews keep them from being deleted outright here).
        User.groups.through.objects.filter(group__name=DEMO_GROUP).delete()

        self.assertEqual(check_no_demo_accounts(), [])

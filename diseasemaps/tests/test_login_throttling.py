"""django-axes as configured: after AXES_FAILURE_LIMIT failures one account is
locked from one address, for AXES_COOLOFF_TIME, and then no longer.

Both login forms are checked: the admin's (username) and the members' (email
address). allauth's own rate limit is switched off here, so that only axes
answers. Time passes by moving the recorded attempts back, so the expiry is
axes' own computation and nothing sleeps. Every failed login costs an Argon2
hash, so these tests lock after 3 failures; the production limit is checked
on the settings module, and test_login_logout and
test_security_headers_and_lockout lock with it.
"""

import importlib
import os
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from community.tests.account_helpers import fresh_ip
from devdata.personas import PASSWORD, make_member, make_user, record_figure

FORMS = {
    # form: (url, name field, login name for the user)
    "admin": (reverse("admin:login"), "username", lambda user: user.username),
    "members": (reverse("account_login"), "login", lambda user: user.email),
}


TEST_LIMIT = 3


@override_settings(
    ACCOUNT_RATE_LIMITS={"login_failed": ""}, AXES_FAILURE_LIMIT=TEST_LIMIT
)
class LoginThrottlingTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.users = {
            "admin": (make_user("wendy"), make_user("sam")),
            "members": (make_member("mina"), make_member("omar")),
        }

    def login(self, form: str, user, password: str, ip: str):
        url, field, name = FORMS[form]
        record_figure("login throttling: login attempts")
        return Client(REMOTE_ADDR=ip).post(
            url, {field: name(user), "password": password}
        )

    def lock(self, form: str, user, ip: str) -> None:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.assertEqual(self.login(form, user, "wrong", ip).status_code, 200)
        self.assertEqual(self.login(form, user, "wrong", ip).status_code, 429)

    def wait(self, delta: timedelta) -> None:
        """As if `delta` had passed since the failures were recorded."""
        for attempt in AccessAttempt.objects.all():
            attempt.attempt_time -= delta
            attempt.save(update_fields=["attempt_time"])

    def test_the_settings_module_holds_the_documented_choices(self):
        production = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
        self.assertEqual(
            production.AXES_FAILURE_LIMIT, int(os.environ.get("AXES_FAILURE_LIMIT", 10))
        )
        self.assertEqual(production.AXES_COOLOFF_TIME, timedelta(hours=1))
        self.assertEqual(
            production.AXES_LOCKOUT_PARAMETERS, [["username", "ip_address"]]
        )
        self.assertTrue(production.AXES_RESET_ON_SUCCESS)
        self.assertFalse(production.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)
        # Issue 15: the staff login is also limited per username, and nothing
        # counts one member's failures from every address towards a lock.
        self.assertEqual(
            production.AXES_HANDLER, "diseasemaps.lib.login_limits.LoginLimitsHandler"
        )
        self.assertEqual(
            production.STAFF_LOGIN_USERNAME_FAILURE_LIMIT,
            int(os.environ.get("STAFF_LOGIN_USERNAME_FAILURE_LIMIT", 30)),
        )
        self.assertEqual(production.ACCOUNT_RATE_LIMITS["login_failed"], "10/m/ip")
        self.assertEqual(settings.AXES_FAILURE_LIMIT, TEST_LIMIT)

    def test_the_limit_locks_even_the_right_password(self):
        for form, (user, _) in self.users.items():
            with self.subTest(form):
                ip = fresh_ip()
                self.lock(form, user, ip)
                self.assertEqual(self.login(form, user, PASSWORD, ip).status_code, 429)

    def test_one_failure_short_of_the_limit_still_logs_in(self):
        for form, (user, _) in self.users.items():
            with self.subTest(form):
                ip = fresh_ip()
                for _ in range(settings.AXES_FAILURE_LIMIT - 1):
                    self.login(form, user, "wrong", ip)
                self.assertEqual(self.login(form, user, PASSWORD, ip).status_code, 302)

    def test_the_same_account_still_logs_in_from_another_address(self):
        for form, (user, _) in self.users.items():
            with self.subTest(form):
                self.lock(form, user, fresh_ip())
                self.assertEqual(
                    self.login(form, user, PASSWORD, fresh_ip()).status_code, 302
                )

    def test_another_account_still_logs_in_from_the_same_address(self):
        for form, (user, other) in self.users.items():
            with self.subTest(form):
                ip = fresh_ip()
                self.lock(form, user, ip)
                self.assertEqual(self.login(form, other, PASSWORD, ip).status_code, 302)

    def test_the_lock_ends_after_the_cool_off(self):
        for form, (user, _) in self.users.items():
            with self.subTest(form):
                ip = fresh_ip()
                self.lock(form, user, ip)

                self.wait(settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
                self.assertEqual(self.login(form, user, PASSWORD, ip).status_code, 429)
                self.wait(timedelta(minutes=1, seconds=1))
                self.assertEqual(self.login(form, user, PASSWORD, ip).status_code, 302)

    def test_trying_while_locked_does_not_make_the_lock_longer(self):
        for form, (user, _) in self.users.items():
            with self.subTest(form):
                ip = fresh_ip()
                self.lock(form, user, ip)
                half = settings.AXES_COOLOFF_TIME / 2

                self.wait(half)
                for password in ("wrong", "wrong again", PASSWORD):
                    self.assertEqual(
                        self.login(form, user, password, ip).status_code, 429
                    )
                self.wait(half + timedelta(seconds=1))

                self.assertEqual(self.login(form, user, PASSWORD, ip).status_code, 302)

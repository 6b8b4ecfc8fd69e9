from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from devdata.personas import PASSWORD, make_user


class LoginLockoutTestCase(TestCase):
    def login(self, password: str):
        return self.client.post(
            reverse("admin:login"),
            {"username": "wendy", "password": password, "next": "/admin/"},
        )

    def test_repeated_failed_logins_lock_the_account_for_that_address(self):
        make_user("wendy")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.assertEqual(self.login("wrong password").status_code, 200)
        self.assertEqual(self.login("wrong password").status_code, 429)

        locked = self.login(PASSWORD)  # even the right password, for now

        self.assertEqual(locked.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_correct_password_logs_in_before_the_limit(self):
        make_user("wendy")
        self.login("wrong password")
        response = self.login(PASSWORD)
        self.assertEqual(response.status_code, 302)


class SecurityHeadersTestCase(TestCase):
    def test_pages_carry_a_strict_content_security_policy(self):
        response = self.client.get(reverse("public:home"))
        policy = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertIn("frame-ancestors 'none'", policy)
        self.assertNotIn("unsafe-inline", policy)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")

    def test_pages_switch_off_browser_features_nobody_uses(self):
        for url in [reverse("public:home"), reverse("account_login"), "/nowhere/"]:
            with self.subTest(url=url):
                policy = self.client.get(url)["Permissions-Policy"]
                for feature in ["camera", "microphone", "geolocation", "payment"]:
                    self.assertIn(f"{feature}=()", policy)
                # Features Chromium no longer knows make console errors.
                self.assertNotIn("interest-cohort", policy)

"""Staff need a second factor before any admin page opens: a code from an
authenticator app (TOTP), a passkey, or a one-time recovery code. Staff
without any enrol an authenticator app first and get their recovery codes.
Members are not affected.

Django's plain test client here (not devdata.personas.Client), so every
session starts unverified, as after the password step of a real login.
Recovery codes: test_staff_recovery_codes.py; passkeys:
test_staff_passkeys.py; changing one's methods: test_staff_two_factor_changes.py.
"""

import base64
import re

from django.contrib.auth import SESSION_KEY
from django.test import Client, TestCase
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers.roles import WRITER_GROUP
from community.tests.account_helpers import client_from_fresh_ip
from devdata.personas import PASSWORD, make_member, make_user, totp_code
from diseasemaps.lib.two_factor import DEVICE_NAME, RECOVERY_CODE_COUNT
from diseasemaps.tests.two_factor_helpers import (
    ADMIN,
    CHANGELIST,
    RECOVERY,
    SETUP,
    VERIFY,
    assert_admin_closed,
    password_step,
    with_next,
    wrong_code,
)


class TwoFactorTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        cls.newcomer = make_user("nora", two_factor=False)
        cls.admin = make_user("ada", is_superuser=True, two_factor=False)
        cls.member = make_member("mina")

    # Staff with an authenticator app: password, then code.

    def test_the_password_alone_leads_to_the_code_page_not_the_admin(self):
        client, response = password_step(self.writer, CHANGELIST)

        self.assertRedirects(
            response, with_next(VERIFY, CHANGELIST), fetch_redirect_response=False
        )
        self.assertEqual(client.session[SESSION_KEY], str(self.writer.pk))
        assert_admin_closed(self, client)
        # Every admin page sends there, through the login page.
        self.assertRedirects(
            client.get(CHANGELIST),
            with_next(reverse("admin:login"), CHANGELIST),
            target_status_code=302,
        )

    def test_the_right_code_opens_the_admin_and_returns_to_the_page_asked_for(self):
        client, _ = password_step(self.writer, CHANGELIST)
        page = client.get(with_next(VERIFY, CHANGELIST))
        self.assertContains(page, "Two-factor authentication")
        self.assertContains(page, with_next(RECOVERY, CHANGELIST).replace("&", "&amp;"))
        # No passkey registered: no passkey button, and none of its script.
        self.assertNotContains(page, "passkey-verification")
        self.assertNotContains(page, "otp_webauthn")
        session_before = client.session.session_key

        response = client.post(
            VERIFY, {"code": totp_code(self.writer), "next": CHANGELIST}
        )

        self.assertRedirects(response, CHANGELIST, fetch_redirect_response=False)
        self.assertEqual(client.get(CHANGELIST).status_code, 200)
        self.assertNotEqual(client.session.session_key, session_before)

    def test_a_wrong_code_is_refused(self):
        client, _ = password_step(self.writer)
        response = client.post(VERIFY, {"code": wrong_code(self.writer)})

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "That code is not right")
        assert_admin_closed(self, client)
        device = TOTPDevice.objects.get(user=self.writer)
        self.assertEqual(device.throttling_failure_count, 1)

    def test_after_a_wrong_code_even_the_right_one_waits(self):
        client, _ = password_step(self.writer)
        client.post(VERIFY, {"code": wrong_code(self.writer)})

        response = client.post(VERIFY, {"code": totp_code(self.writer)})

        self.assertContains(response, "Too many wrong codes")
        assert_admin_closed(self, client)

    def test_a_code_works_once(self):
        code = totp_code(self.writer)
        first, _ = password_step(self.writer)
        first.post(VERIFY, {"code": code})
        second, _ = password_step(self.writer)

        response = second.post(VERIFY, {"code": code})

        self.assertContains(response, "That code is not right")
        assert_admin_closed(self, second)

    def test_log_out_from_the_code_page(self):
        client, _ = password_step(self.writer)
        client.post(VERIFY, {"cancel": "Log out"})
        self.assertNotIn(SESSION_KEY, client.session)

    # Staff without any second factor: enrol first.

    def test_staff_without_a_device_are_sent_to_enrol(self):
        client, response = password_step(self.newcomer)

        self.assertRedirects(
            response, with_next(SETUP, ADMIN), fetch_redirect_response=False
        )
        for url in (VERIFY, RECOVERY):
            self.assertRedirects(
                client.get(url), with_next(SETUP, ADMIN), fetch_redirect_response=False
            )
        assert_admin_closed(self, client)

    def test_the_enrol_page_shows_a_qr_code_without_any_script(self):
        client, _ = password_step(self.newcomer)

        page = client.get(SETUP)

        device = TOTPDevice.objects.get(user=self.newcomer)
        self.assertFalse(device.confirmed)
        self.assertEqual(device.name, DEVICE_NAME)
        html = page.content.decode()
        image = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
        self.assertIsNotNone(image)
        svg = base64.b64decode(image.group(1)).decode()
        self.assertTrue(svg.startswith("<svg"))
        self.assertNotIn("<script", svg)
        secret = base64.b32encode(device.bin_key).decode()
        self.assertContains(page, " ".join(re.findall(".{1,4}", secret)))
        self.assertNotIn("<script>", html)  # no inline script
        self.assertIn("img-src 'self' data:", page["Content-Security-Policy"])
        # Reloading the page keeps the same key (the app may have it already).
        client.get(SETUP)
        self.assertEqual(TOTPDevice.objects.filter(user=self.newcomer).count(), 1)

    def test_a_wrong_code_does_not_confirm_the_device(self):
        client, _ = password_step(self.newcomer)
        client.get(SETUP)

        response = client.post(SETUP, {"code": "12345x"})
        self.assertContains(response, "The code is 6 digits")
        response = client.post(SETUP, {"code": wrong_code(self.newcomer)})

        self.assertEqual(response.status_code, 200)
        self.assertFalse(TOTPDevice.objects.get(user=self.newcomer).confirmed)
        assert_admin_closed(self, client)

    def test_the_right_code_confirms_the_device_and_shows_recovery_codes(self):
        client, _ = password_step(self.newcomer)
        client.get(SETUP)

        response = client.post(SETUP, {"code": totp_code(self.newcomer), "next": ADMIN})

        self.assertEqual(response.status_code, 200)
        self.assertTrue(TOTPDevice.objects.get(user=self.newcomer).confirmed)
        codes = StaticDevice.objects.get(user=self.newcomer).token_set.all()
        self.assertEqual(len(codes), RECOVERY_CODE_COUNT)
        for code in codes:
            self.assertContains(response, code.token)
        self.assertContains(response, "Save your recovery codes")
        self.assertContains(response, f'href="{ADMIN}"')
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(client.get(ADMIN).status_code, 200)

    def test_with_a_device_the_password_alone_cannot_enrol_another(self):
        client, _ = password_step(self.writer)

        response = client.get(SETUP)

        self.assertRedirects(
            response, with_next(VERIFY, SETUP), fetch_redirect_response=False
        )
        self.assertEqual(TOTPDevice.objects.filter(user=self.writer).count(), 1)

    def test_superusers_need_a_second_factor_too(self):
        client, response = password_step(self.admin)
        self.assertRedirects(
            response, with_next(SETUP, ADMIN), fetch_redirect_response=False
        )
        self.assertEqual(
            client.get(reverse("admin:auth_user_changelist")).status_code, 302
        )

    def test_next_cannot_send_anyone_to_another_site(self):
        client, _ = password_step(self.writer)
        response = client.post(
            VERIFY, {"code": totp_code(self.writer), "next": "https://evil.example/"}
        )
        self.assertRedirects(response, ADMIN, fetch_redirect_response=False)

    # Nobody else.

    def test_the_code_pages_are_not_for_visitors_or_members(self):
        member = Client()
        member.force_login(self.member)
        for client in (Client(), member):
            for url in (VERIFY, SETUP, RECOVERY):
                self.assertRedirects(
                    client.get(url),
                    reverse("admin:login"),
                    fetch_redirect_response=False,
                )
        self.assertFalse(TOTPDevice.objects.filter(user=self.member).exists())

    def test_members_log_in_without_a_code(self):
        client = client_from_fresh_ip()
        response = client.post(
            reverse("account_login"),
            {"login": self.member.email, "password": PASSWORD},
        )
        self.assertRedirects(response, "/me/", fetch_redirect_response=False)
        self.assertEqual(client.get("/me/").status_code, 200)

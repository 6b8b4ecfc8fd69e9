"""Changing how a staff member logs in (adding or removing an authenticator
app or a passkey, new recovery codes) needs a second-factor check in the
last STAFF_TWO_FACTOR_RECENT_MINUTES: a session left open, or a password
alone, cannot move the second factor."""

import json

from django.test import TestCase, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers.roles import WRITER_GROUP
from devdata.personas import Client, make_user, totp_code
from diseasemaps.lib import two_factor
from diseasemaps.tests.two_factor_helpers import (
    DEVICES,
    NEW_CODES,
    REMOVE,
    SETUP,
    VERIFY,
    age_verification,
    password_step,
    with_next,
)

REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")


@override_settings(STAFF_TWO_FACTOR_RECENT_MINUTES=10)
class TwoFactorChangesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        cls.other = make_user("walt", group=WRITER_GROUP)
        cls.codes = two_factor.new_recovery_codes(cls.writer)

    def setUp(self) -> None:
        self.client = Client()
        self.client.force_login(self.writer)
        self.phone = TOTPDevice.objects.get(user=self.writer)

    def test_the_methods_page_lists_them_without_secrets(self):
        page = self.client.get(DEVICES)
        self.assertContains(page, "How you log in")
        self.assertContains(page, self.phone.name)
        self.assertContains(page, "You have 10 recovery codes left")
        self.assertNotContains(page, self.phone.key)
        for code in self.codes:
            self.assertNotContains(page, code)

    def test_the_methods_page_needs_the_second_factor(self):
        client, _ = password_step(self.writer)
        response = client.get(DEVICES)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("admin:login")))

    def test_a_stale_session_cannot_change_anything(self):
        age_verification(self.client, 11)
        key_before = self.client.session.session_key

        responses = {
            "setup": self.client.get(SETUP),
            "remove": self.client.post(REMOVE, {"device": self.phone.persistent_id}),
            "codes": self.client.post(NEW_CODES),
        }

        for name, response in responses.items():
            with self.subTest(name):
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(VERIFY))
        self.assertTrue(TOTPDevice.objects.filter(pk=self.phone.pk).exists())
        self.assertEqual(
            TOTPDevice.objects.filter(user=self.writer, confirmed=False).count(), 0
        )
        tokens = StaticDevice.objects.get(user=self.writer).token_set
        self.assertEqual(
            sorted(tokens.values_list("token", flat=True)), sorted(self.codes)
        )
        response = self.client.post(REGISTER_BEGIN, content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.assertIn("confirm it is you", json.loads(response.content)["detail"])
        self.assertEqual(self.client.session.session_key, key_before)

    def test_after_a_fresh_code_the_change_goes_through(self):
        age_verification(self.client, 11)
        page = self.client.get(with_next(VERIFY, DEVICES))
        self.assertContains(page, "Confirm it is you")

        response = self.client.post(
            VERIFY, {"code": totp_code(self.writer), "next": DEVICES}
        )
        self.assertRedirects(response, DEVICES, fetch_redirect_response=False)

        response = self.client.post(NEW_CODES)
        self.assertEqual(response.status_code, 200)
        new = list(
            StaticDevice.objects.get(user=self.writer).token_set.values_list(
                "token", flat=True
            )
        )
        self.assertEqual(len(new), two_factor.RECOVERY_CODE_COUNT)
        self.assertFalse(set(new) & set(self.codes))
        for code in new:
            self.assertContains(response, code)

    def test_old_recovery_codes_stop_working_when_new_ones_are_made(self):
        self.client.post(NEW_CODES)
        client, _ = password_step(self.writer)
        response = client.post(
            reverse("admin:two_factor_recovery"), {"code": self.codes[0]}
        )
        self.assertContains(response, "That recovery code is not right")

    def test_the_last_way_to_log_in_cannot_be_removed(self):
        response = self.client.post(REMOVE, {"device": self.phone.persistent_id})

        self.assertRedirects(response, DEVICES, fetch_redirect_response=False)
        self.assertTrue(TOTPDevice.objects.filter(pk=self.phone.pk).exists())
        page = self.client.get(DEVICES)
        self.assertContains(page, "Set up another way to log in first")

    def test_nobody_removes_another_persons_device(self):
        theirs = TOTPDevice.objects.get(user=self.other)
        response = self.client.post(REMOVE, {"device": theirs.persistent_id})
        self.assertEqual(response.status_code, 404)
        self.assertTrue(TOTPDevice.objects.filter(pk=theirs.pk).exists())

    def test_a_second_authenticator_app_replaces_the_first(self):
        self.client.get(SETUP)
        new_phone = TOTPDevice.objects.get(user=self.writer, confirmed=False)

        response = self.client.post(
            SETUP, {"code": totp_code(new_phone), "next": DEVICES}
        )

        self.assertRedirects(response, DEVICES, fetch_redirect_response=False)
        self.assertEqual(list(TOTPDevice.objects.filter(user=self.writer)), [new_phone])

    def test_a_made_up_device_id_is_not_found(self):
        for value in ("", "auth.user/1", "otp_totp.totpdevice/x", "nope"):
            with self.subTest(value):
                response = self.client.post(REMOVE, {"device": value})
                self.assertEqual(response.status_code, 404)

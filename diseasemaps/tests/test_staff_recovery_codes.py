"""One-time recovery codes: each opens the admin once, the page says how many
remain, and a staff member who lost their phone uses one, removes the lost
authenticator app and enrols a new one without a site admin."""

from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers.roles import WRITER_GROUP
from devdata.personas import make_user, totp_code
from diseasemaps.lib import two_factor
from diseasemaps.tests.two_factor_helpers import (
    ADMIN,
    CHANGELIST,
    DEVICES,
    RECOVERY,
    SETUP,
    VERIFY,
    assert_admin_closed,
    password_step,
    with_next,
)


class RecoveryCodeTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        cls.codes = two_factor.new_recovery_codes(cls.writer)

    def test_a_recovery_code_opens_the_admin_and_says_how_many_remain(self):
        client, _ = password_step(self.writer, CHANGELIST)
        page = client.get(with_next(RECOVERY, CHANGELIST))
        self.assertContains(page, "Recovery code")

        # Typed as people copy it: upper case, with a space.
        typed = self.codes[0].upper()[:4] + " " + self.codes[0].upper()[4:]
        response = client.post(RECOVERY, {"code": typed, "next": CHANGELIST})

        self.assertRedirects(response, DEVICES, fetch_redirect_response=False)
        self.assertEqual(client.get(CHANGELIST).status_code, 200)
        page = client.get(DEVICES)
        self.assertContains(page, f"You have {len(self.codes) - 1} recovery codes left")
        self.assertEqual(two_factor.recovery_codes_left(self.writer), 9)

    def test_a_used_recovery_code_fails(self):
        first, _ = password_step(self.writer)
        first.post(RECOVERY, {"code": self.codes[0]})
        second, _ = password_step(self.writer)

        response = second.post(RECOVERY, {"code": self.codes[0]})

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "That recovery code is not right")
        assert_admin_closed(self, second)
        self.assertEqual(two_factor.recovery_codes_left(self.writer), 9)

    def test_a_code_from_the_app_is_not_a_recovery_code(self):
        client, _ = password_step(self.writer)
        response = client.post(RECOVERY, {"code": totp_code(self.writer)})
        self.assertContains(response, "That recovery code is not right")
        assert_admin_closed(self, client)

    def test_a_lost_phone_is_replaced_without_a_site_admin(self):
        lost_phone = TOTPDevice.objects.get(user=self.writer)
        client, _ = password_step(self.writer)
        client.post(RECOVERY, {"code": self.codes[3]})

        # The new phone replaces the lost one (which, being the only app,
        # cannot simply be removed: test_staff_two_factor_changes.py).
        page = client.get(DEVICES)
        self.assertContains(page, "Replace with a new app")
        page = client.get(SETUP)
        self.assertContains(page, "Set up two-factor authentication")
        new_phone = TOTPDevice.objects.get(user=self.writer, confirmed=False)
        response = client.post(SETUP, {"code": totp_code(new_phone), "next": DEVICES})
        self.assertRedirects(response, DEVICES, fetch_redirect_response=False)
        new_phone.refresh_from_db()
        self.assertTrue(new_phone.confirmed)
        self.assertFalse(TOTPDevice.objects.filter(pk=lost_phone.pk).exists())
        # Recovery codes already existed: they stay, one fewer.
        self.assertEqual(two_factor.recovery_codes_left(self.writer), 9)

        # The next login takes a code from the new phone.
        client, response = password_step(self.writer)
        self.assertRedirects(
            response, with_next(VERIFY, ADMIN), fetch_redirect_response=False
        )
        response = client.post(VERIFY, {"code": totp_code(new_phone, steps_ahead=1)})
        self.assertRedirects(response, ADMIN, fetch_redirect_response=False)

    def test_the_last_recovery_code_leads_to_new_ones(self):
        device = StaticDevice.objects.get(user=self.writer)
        device.token_set.exclude(token=self.codes[0]).delete()
        client, _ = password_step(self.writer)

        client.post(RECOVERY, {"code": self.codes[0]})

        page = client.get(DEVICES)
        self.assertContains(page, "You have no recovery codes left")
        self.assertContains(page, reverse("admin:two_factor_new_codes"))

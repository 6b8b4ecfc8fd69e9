"""Issue 15: every change to how a staff member logs in tells their address.

Before, a stolen verified session (or an owner's open laptop) could set up a new
authenticator app, add a passkey, remove the owner's app, print fresh recovery
codes or change the password in the admin, and the owner heard nothing. Now
each of these queues a mail to the account's address, through the outbox like
the members' account notices (no key in it, so it may wait in the database),
naming the change and what to do if it was not them. Changing someone else's
password in the admin tells that person.
"""

from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers.roles import WRITER_GROUP
from devdata.passkeys import SoftPasskey
from devdata.personas import PASSWORD, Client, make_user, totp_code
from diseasemaps.lib import two_factor
from diseasemaps.tests.test_staff_passkeys import register
from diseasemaps.tests.two_factor_helpers import DEVICES, NEW_CODES, REMOVE, SETUP
from outbox.models import OutboundEmail

NEW_PASSWORD = "a completely new passphrase 42"


class StaffChangeMailTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        cls.superuser = make_user("sam", is_superuser=True)
        two_factor.new_recovery_codes(cls.writer)

    def setUp(self) -> None:
        self.client = Client()
        self.client.force_login(self.writer)
        self.phone = TOTPDevice.objects.get(user=self.writer)

    def mails_to(self, address: str) -> list[OutboundEmail]:
        return list(OutboundEmail.objects.filter(recipient__iexact=address))

    def assert_told(self, address: str, *words: str) -> OutboundEmail:
        mails = self.mails_to(address)
        self.assertEqual(len(mails), 1, [m.subject for m in mails])
        mail = mails[0]
        for word in words:
            self.assertIn(word, mail.body)
        # What to do if it was not them, and where to check.
        self.assertIn("If it was not you", mail.body)
        self.assertIn(settings.SITE_URL + DEVICES, mail.body)
        return mail

    def test_a_new_authenticator_app_is_told(self):
        self.client.get(SETUP)
        new_phone = TOTPDevice.objects.get(user=self.writer, confirmed=False)
        response = self.client.post(SETUP, {"code": totp_code(new_phone)})
        self.assertEqual(response.status_code, 302)

        self.assert_told("wendy@example.org", "authenticator app was set up")

    def test_a_new_passkey_is_told(self):
        passkey = SoftPasskey(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0])
        response = register(self.client, passkey)
        self.assertEqual(response.status_code, 200, response.content)

        self.assert_told("wendy@example.org", "passkey was added")

    def test_a_refused_passkey_tells_nothing(self):
        passkey = SoftPasskey("https://elsewhere.example")
        response = register(self.client, passkey)
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(self.mails_to("wendy@example.org"), [])

    def test_a_removed_way_in_is_told(self):
        register(self.client, SoftPasskey(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0]))
        OutboundEmail.objects.all().delete()

        response = self.client.post(REMOVE, {"device": self.phone.persistent_id})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(pk=self.phone.pk).exists())

        self.assert_told("wendy@example.org", f"{self.phone.name} was removed")

    def test_new_recovery_codes_are_told_without_the_codes(self):
        response = self.client.post(NEW_CODES)
        self.assertEqual(response.status_code, 200)

        mail = self.assert_told("wendy@example.org", "New recovery codes were made")
        for token in two_factor.StaticToken.objects.filter(
            device__user=self.writer
        ).values_list("token", flat=True):
            self.assertNotIn(token, mail.body)

    def test_refusals_tell_nothing(self):
        # The last way in cannot go: nothing changed, nothing to tell.
        self.client.post(REMOVE, {"device": self.phone.persistent_id})
        self.assertEqual(self.mails_to("wendy@example.org"), [])

    def test_the_admin_password_change_is_told(self):
        response = self.client.post(
            reverse("admin:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertEqual(response.status_code, 302)

        mail = self.assert_told(
            "wendy@example.org", "password was changed", "probably by you"
        )
        self.assertNotIn(NEW_PASSWORD, mail.body)

    def test_a_wrong_old_password_tells_nothing(self):
        response = self.client.post(
            reverse("admin:password_change"),
            {
                "old_password": "not it",
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.mails_to("wendy@example.org"), [])

    def test_someone_elses_password_changed_in_the_admin_tells_them(self):
        admin_client = Client()
        admin_client.force_login(self.superuser)
        response = admin_client.post(
            reverse("admin:auth_user_password_change", args=[self.writer.pk]),
            {
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "usable_password": "true",
            },
        )
        self.assertEqual(response.status_code, 302)

        mail = self.assert_told(
            "wendy@example.org", "password was changed", "A site administrator, sam"
        )
        self.assertNotIn(NEW_PASSWORD, mail.body)
        self.assertEqual(self.mails_to("sam@example.org"), [])

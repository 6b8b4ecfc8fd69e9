"""Passkeys (django-otp-webauthn) as the second step of a staff login:
registering one needs a recent second-factor check, using one opens the
admin, and nobody else's passkey, no member and no visitor gets anywhere.
A software authenticator (devdata.passkeys) plays the browser's part; the
browser test drives Chromium's virtual authenticator."""

import json

from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from answers.roles import WRITER_GROUP
from devdata.passkeys import SoftPasskey
from devdata.personas import Client, make_member, make_user
from diseasemaps.lib import two_factor
from diseasemaps.tests.two_factor_helpers import (
    CHANGELIST,
    VERIFY,
    assert_admin_closed,
    password_step,
    with_next,
)

REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")


def post_json(client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register(client, passkey: SoftPasskey):
    options = post_json(client, REGISTER_BEGIN).json()
    return post_json(client, REGISTER_COMPLETE, passkey.register(options))


def authenticate(client, passkey: SoftPasskey, next_url: str = ""):
    options = post_json(client, AUTH_BEGIN).json()
    url = f"{AUTH_COMPLETE}?next={next_url}" if next_url else AUTH_COMPLETE
    return post_json(client, url, passkey.authenticate(options))


class PasskeyTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        cls.other = make_user("walt", group=WRITER_GROUP)
        cls.member = make_member("mina")

    def setUp(self) -> None:
        self.passkey = SoftPasskey(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0])
        verified = Client()
        verified.force_login(self.writer)
        response = register(verified, self.passkey)
        self.assertEqual(response.status_code, 200, response.content)

    def test_a_registered_passkey_is_listed_and_offered_at_login(self):
        credential = WebAuthnCredential.objects.get(user=self.writer)
        self.assertTrue(credential.confirmed)

        client, _ = password_step(self.writer, CHANGELIST)
        page = client.get(with_next(VERIFY, CHANGELIST))

        self.assertContains(page, 'id="passkey-verification-button"')
        self.assertContains(page, "django_otp_webauthn/otp_webauthn_auth.js")
        self.assertContains(page, 'type="application/json"')
        self.assertNotContains(page, "<script>")  # no inline script
        csp = page["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertIn("publickey-credentials-get=(self)", page["Permissions-Policy"])

    def test_a_passkey_opens_the_admin_after_the_password(self):
        client, _ = password_step(self.writer, CHANGELIST)
        key_before = client.session.session_key

        response = authenticate(client, self.passkey, CHANGELIST)

        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["redirect_url"], CHANGELIST)
        self.assertEqual(client.get(CHANGELIST).status_code, 200)
        self.assertNotEqual(client.session.session_key, key_before)
        self.assertIsNotNone(client.session.get(two_factor.VERIFIED_AT))
        credential = WebAuthnCredential.objects.get(user=self.writer)
        self.assertIsNotNone(credential.last_used_at)

    def test_the_redirect_after_a_passkey_stays_on_this_site(self):
        client, _ = password_step(self.writer)
        response = authenticate(client, self.passkey, "https://evil.example/")
        self.assertEqual(response.json()["redirect_url"], reverse("admin:index"))

    def test_someone_elses_passkey_does_not_verify_this_session(self):
        client, _ = password_step(self.other)

        response = authenticate(client, self.passkey)

        self.assertEqual(response.status_code, 403)
        assert_admin_closed(self, client)

    def test_a_passkey_is_not_a_login_by_itself(self):
        anonymous = Client()
        response = post_json(anonymous, AUTH_BEGIN)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("_auth_user_id", anonymous.session)

    def test_members_cannot_register_or_use_passkeys(self):
        member = Client()
        member.force_login(self.member)
        for url in (REGISTER_BEGIN, AUTH_BEGIN):
            with self.subTest(url):
                self.assertEqual(post_json(member, url).status_code, 403)
        self.assertFalse(WebAuthnCredential.objects.filter(user=self.member).exists())

    def test_the_password_alone_cannot_register_a_passkey(self):
        client, _ = password_step(self.writer)
        response = post_json(client, REGISTER_BEGIN)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(WebAuthnCredential.objects.filter(user=self.writer).count(), 1)

    def test_with_a_passkey_the_app_can_be_removed(self):
        client = Client()
        client.force_login(self.writer)
        app = two_factor.authenticator_app(self.writer)

        response = client.post(
            reverse("admin:two_factor_remove"), {"device": app.persistent_id}
        )

        self.assertRedirects(
            response, reverse("admin:two_factor_devices"), fetch_redirect_response=False
        )
        self.assertIsNone(two_factor.authenticator_app(self.writer))
        # The passkey is now the only way in: it stays.
        credential = WebAuthnCredential.objects.get(user=self.writer)
        client.post(
            reverse("admin:two_factor_remove"), {"device": credential.persistent_id}
        )
        self.assertTrue(WebAuthnCredential.objects.filter(pk=credential.pk).exists())

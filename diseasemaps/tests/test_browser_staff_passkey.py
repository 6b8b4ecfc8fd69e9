"""In Chromium, with its virtual authenticator (DevTools' WebAuthn domain): a
writer adds a passkey on "How you log in", logs out, and logs in again with
the password and the passkey. django-otp-webauthn's script runs under our
CSP (no inline script) and the Permissions-Policy; the console stays clean."""

import pytest
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from answers.roles import WRITER_GROUP
from devdata.personas import PASSWORD, ensure_roles, make_user, totp_code


def password_step(page: Page, base_url: str, user) -> None:
    page.goto(base_url + reverse("admin:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", name="Two-factor authentication")
    ).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_writer_adds_a_passkey_and_logs_in_with_it(live_server, page: Page, settings):
    # Passkeys need a domain (not an IP address): the live server is localhost.
    assert live_server.url.startswith("http://localhost:")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    # A transactional test empties the tables between tests, roles included.
    ensure_roles()
    writer = make_user("wendy", group=WRITER_GROUP)
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    password_step(page, live_server.url, writer)
    page.get_by_label("6-digit code").fill(totp_code(writer))
    page.get_by_role("button", name="Verify").click()
    page.goto(live_server.url + reverse("admin:two_factor_devices"))
    page.get_by_role("button", name="Add a passkey").click()
    # Our script reloads the page once the library reports the new passkey.
    expect(page.get_by_role("button", name="Remove this passkey")).to_be_visible()
    assert WebAuthnCredential.objects.filter(user=writer, confirmed=True).count() == 1

    page.get_by_role("button", name="Log out").first.click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()
    password_step(page, live_server.url, writer)
    page.get_by_role("button", name="Use a passkey").click()

    # The ceremony is three round trips (options, the authenticator, the
    # check) and then the admin home with its queues: on a busy CI machine
    # that took longer than the 5 s default once (CI at 86518a4).
    expect(page.get_by_role("heading", name="Editorial work")).to_be_visible(
        timeout=20_000
    )
    assert page.url == live_server.url + reverse("admin:index")
    assert WebAuthnCredential.objects.get(user=writer).last_used_at is not None
    assert problems == [], problems

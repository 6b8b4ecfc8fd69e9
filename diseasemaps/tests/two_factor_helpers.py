"""Helpers for the staff two-factor tests: the password step of the admin
login with Django's plain client (so the session starts unverified, as after
a real password step), codes, and ageing a verification."""

from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from devdata.personas import PASSWORD, totp_code
from diseasemaps.lib import two_factor

ADMIN = reverse("admin:index")
CHANGELIST = reverse("admin:answers_question_changelist")
VERIFY = reverse("admin:two_factor_verify")
RECOVERY = reverse("admin:two_factor_recovery")
SETUP = reverse("admin:two_factor_setup")
DEVICES = reverse("admin:two_factor_devices")
REMOVE = reverse("admin:two_factor_remove")
NEW_CODES = reverse("admin:two_factor_new_codes")


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def password_step(user, next_url: str = ADMIN) -> tuple[Client, object]:
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": next_url},
    )
    return client, response


def wrong_code(user) -> str:
    """A code that is none of those the device accepts now (tolerance: one
    step either side)."""
    accepted = {totp_code(user, steps_ahead=step) for step in (-1, 0, 1)}
    return next(
        c for c in ("000000", "111111", "222222", "333333") if c not in accepted
    )


def age_verification(client: Client, minutes: int) -> None:
    """Pretend the session's last second-factor check was `minutes` ago."""
    session = client.session
    session[two_factor.VERIFIED_AT] -= minutes * 60
    session.save()


def assert_admin_closed(test, client: Client) -> None:
    response = client.get(CHANGELIST)
    test.assertEqual(response.status_code, 302)
    test.assertNotEqual(response["Location"], CHANGELIST)

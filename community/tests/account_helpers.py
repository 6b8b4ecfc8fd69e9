"""Small helpers for the member-account tests (sign-up, login, password reset).

allauth's rate limits count per client IP and per email address in the shared
cache, which outlives a test (and, with Redis, a test run): each test client
gets an IP of its own and each member an address of its own, so tests neither
trip each other's limits nor depend on their order or on an earlier run.
"""

import re
import uuid

from django.test import Client

from community.models import Member
from devdata.personas import PASSWORD, make_member

LINK = re.compile(r"https?://\S+")


def fresh_ip() -> str:
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2] or 1}"


def client_from_fresh_ip() -> Client:
    return Client(REMOTE_ADDR=fresh_ip())


def fresh_email(local: str = "reader") -> str:
    return f"{local}.{uuid.uuid4().hex[:8]}@example.org"


def make_fresh_member(pseudonym: str):
    """A verified member (a user) whose email address no earlier test used."""
    return make_member(f"m{uuid.uuid4().hex[:10]}", pseudonym=pseudonym)


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "email": fresh_email(),
        "password1": PASSWORD,
        "password2": PASSWORD,
        "pseudonym": f"Reader {uuid.uuid4().hex[:6]}",
        "country": "",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def link_in(body: str) -> str:
    """The one link in a mail allauth sent, as a path the test client can open."""
    links = LINK.findall(body)
    assert len(links) == 1, links
    return re.sub(r"^https?://[^/]+", "", links[0])


def member_for_email(email: str) -> Member | None:
    return Member.objects.filter(user__email__iexact=email).first()


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    """Type the password on allauth's page, as every account change and the
    data export ask within ACCOUNT_REAUTHENTICATION_TIMEOUT of the last time."""
    from django.urls import reverse

    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response

"""Issue 15, finding 2: after the password step of a staff login and before
the second factor, /accounts/password/change/ and /accounts/email/ worked:
a staff password alone could lock the owner out and plant a recovery address.

A staff session that has not passed the second factor now gets no account
page at all: every view of django-allauth (found by module, so a page a new
allauth version adds is covered too) and the member's own pages (/me/: the
data export, deletion, consent) send it to the second factor first, and back
afterwards. Logging out still works. Members are not affected.

Django's plain client here: each session starts unverified, as after the
password step of a real staff login.
"""

from urllib.parse import parse_qs, urlparse

from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.test import Client, TestCase
from django.urls import URLResolver, get_resolver, reverse

from answers.roles import WRITER_GROUP
from community.services import create_member
from community.tests.account_helpers import client_from_fresh_ip, fresh_email
from devdata.personas import PASSWORD, make_member, make_user, record_figure
from devdata.personas import Client as VerifyingClient

SECOND_FACTOR = reverse("admin:two_factor_verify")
NEW_PASSWORD = "a brand new password 77"


def password_step(user) -> Client:
    client = client_from_fresh_ip()
    response = client.post(
        reverse("admin:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response
    assert client.session[SESSION_KEY] == str(user.pk)
    return client


def sent_to_second_factor(response, next_url: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlparse(response["Location"])
    return location.path.startswith(SECOND_FACTOR) and parse_qs(location.query).get(
        "next"
    ) == [next_url]


def allauth_urls() -> list[str]:
    """Every URL the project serves from a django-allauth view, with made-up
    values for the keys some of them take."""
    urls = []

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif pattern.callback.__module__.startswith("allauth."):
                keys = dict.fromkeys(pattern.pattern.regex.groupindex, "abc123")
                urls.append(reverse(pattern.name, kwargs=keys))

    walk(get_resolver().url_patterns)
    return urls


class StaffPasswordOnlyTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        # A moderator who is also a member has a /me/ of their own.
        cls.moderator = make_user("mo")
        create_member(user=cls.moderator, pseudonym="Mo", consented=True)

    def test_the_password_change_page_waits_for_the_second_factor(self):
        client = password_step(self.writer)
        url = reverse("account_change_password")

        page = client.get(url)
        changed = client.post(
            url,
            {
                "oldpassword": PASSWORD,
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )

        self.assertTrue(sent_to_second_factor(page, url), page)
        self.assertTrue(sent_to_second_factor(changed, url), changed)
        self.writer.refresh_from_db()
        self.assertTrue(self.writer.check_password(PASSWORD))

    def test_the_email_page_waits_for_the_second_factor(self):
        client = password_step(self.writer)
        url = reverse("account_email")
        planted = fresh_email("thief")

        page = client.get(url)
        added = client.post(url, {"action_add": "", "email": planted})

        self.assertTrue(sent_to_second_factor(page, url), page)
        self.assertTrue(sent_to_second_factor(added, url), added)
        self.assertNotContains(page, self.writer.email, status_code=302)
        self.assertFalse(EmailAddress.objects.filter(email=planted).exists())

    def test_every_allauth_page_waits_for_the_second_factor(self):
        client = password_step(self.writer)
        urls = [u for u in allauth_urls() if u != reverse("account_logout")]
        self.assertIn(reverse("account_reauthenticate"), urls)
        self.assertIn(reverse("account_set_password"), urls)
        for url in urls:
            for method in ("get", "post"):
                with self.subTest(url=url, method=method):
                    record_figure("staff before second factor: account pages tried")
                    response = getattr(client, method)(url)
                    self.assertTrue(sent_to_second_factor(response, url), response)

    def test_the_members_own_pages_wait_for_the_second_factor(self):
        client = password_step(self.moderator)
        for name in ("export", "delete_account", "withdraw_consent", "me"):
            url = reverse(f"community:{name}")
            with self.subTest(url=url):
                response = client.get(url)
                self.assertTrue(sent_to_second_factor(response, url), response)

    def test_logging_out_still_works(self):
        client = password_step(self.writer)

        response = client.post(reverse("account_logout"))

        self.assertEqual(response.status_code, 302)
        self.assertNotIn(SESSION_KEY, client.session)

    def test_after_the_second_factor_the_pages_open(self):
        client = VerifyingClient()
        client.force_login(self.writer)

        self.assertEqual(client.get(reverse("account_email")).status_code, 200)
        self.assertEqual(
            client.get(reverse("account_change_password")).status_code, 200
        )


class MembersAreNotAffectedTestCase(TestCase):
    def test_a_member_session_opens_the_account_pages(self):
        member = make_member("mina")
        client = client_from_fresh_ip()
        client.force_login(member)

        self.assertEqual(client.get(reverse("account_email")).status_code, 200)
        self.assertEqual(client.get(reverse("community:me")).status_code, 200)

"""Issue 15, finding 6: lockouts used against the people they protect.

- A member: five wrong passwords for their address from anywhere, every 15
  minutes, kept them out (allauth's per-address limit counted across every
  IP and refused even the right password).
- Staff: the admin login counted failures per username *and* IP only, so
  guessing one staff password from many addresses was never slowed.

Now, for members: django-axes locks an account at one client address (10
failures, an hour); allauth limits each client address across accounts; and
many failures for one account from everywhere do not lock it but add a
challenge: the right password must be followed by a code mailed to the
member's address. The member still gets in, from anywhere; a stranger
needs the mailbox too. For staff: the admin login is also limited per
username across addresses (STAFF_LOGIN_USERNAME_FAILURE_LIMIT an hour).

These tests use the production rate limits (no override), so they prove the
configuration as shipped.
"""

import re

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from answers.roles import WRITER_GROUP
from community.tests.account_helpers import client_from_fresh_ip, make_fresh_member
from devdata.personas import PASSWORD, make_user, record_figure

LOGIN = reverse("account_login")
ADMIN_LOGIN = reverse("admin:login")
CODE_PAGE = reverse("account_confirm_login_code")


def member_login(client, email: str, password: str):
    record_figure("lockout abuse: login attempts")
    return client.post(LOGIN, {"login": email, "password": password})


def admin_login(client, username: str, password: str):
    record_figure("lockout abuse: login attempts")
    return client.post(ADMIN_LOGIN, {"username": username, "password": password})


def per_account_limit() -> int:
    rate = settings.ACCOUNT_RATE_LIMITS.get("login_failed_per_account", "10/d/key")
    return int(rate.split("/")[0])


def staff_username_limit() -> int:
    return getattr(settings, "STAFF_LOGIN_USERNAME_FAILURE_LIMIT", 30)


class StrangerCannotKeepAMemberOutTestCase(TestCase):
    def setUp(self) -> None:
        self.member = make_fresh_member("SunnyMina")
        self.home = client_from_fresh_ip()  # the member's own browser

    def stranger_fails(self, times: int) -> None:
        for _ in range(times):
            response = member_login(client_from_fresh_ip(), self.member.email, "guess")
            self.assertIn(response.status_code, (200, 429))

    def log_in_with_the_mailed_code(self, client, response) -> None:
        """The challenge, when there is one: the code in the newest mail."""
        if response.status_code == 302 and response["Location"] == CODE_PAGE:
            code = re.search(
                r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M
            )
            self.assertIsNotNone(code, mail.outbox[-1].body)
            response = client.post(CODE_PAGE, {"code": code.group(1)})
        self.assertEqual(response.status_code, 302, response)

    def test_a_strangers_failures_elsewhere_do_not_lock_the_member_out(self):
        self.stranger_fails(3 * per_account_limit())

        response = member_login(self.home, self.member.email, PASSWORD)
        self.log_in_with_the_mailed_code(self.home, response)

        self.assertEqual(self.home.session[SESSION_KEY], str(self.member.pk))

    def test_a_few_strangers_failures_change_nothing_for_the_member(self):
        self.stranger_fails(5)

        response = member_login(self.home, self.member.email, PASSWORD)

        self.assertRedirects(response, "/me/", fetch_redirect_response=False)
        self.assertEqual(self.home.session[SESSION_KEY], str(self.member.pk))

    def test_many_failures_make_the_password_alone_not_enough(self):
        self.stranger_fails(per_account_limit())
        mail.outbox.clear()
        stranger = client_from_fresh_ip()

        # A stranger who guessed the password gets the code page, no session.
        response = member_login(stranger, self.member.email, PASSWORD)

        self.assertRedirects(response, CODE_PAGE, fetch_redirect_response=False)
        self.assertNotIn(SESSION_KEY, stranger.session)
        self.assertEqual([m.to for m in mail.outbox], [[self.member.email]])
        self.assertIn("If it was not you", mail.outbox[0].body)
        wrong = stranger.post(CODE_PAGE, {"code": "AAAAAA"})
        self.assertNotIn(SESSION_KEY, stranger.session)
        self.assertIn(wrong.status_code, (200, 302))

    def test_one_address_guessing_is_still_locked_at_that_address(self):
        guesser = client_from_fresh_ip()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            member_login(guesser, self.member.email, "guess")

        # Refused at that address (axes' lock, or allauth's limit per address
        # first), even with the right password.
        refused = member_login(guesser, self.member.email, PASSWORD)
        self.assertIn(refused.status_code, (200, 429))
        self.assertNotIn(SESSION_KEY, guesser.session)
        response = member_login(self.home, self.member.email, PASSWORD)
        self.log_in_with_the_mailed_code(self.home, response)
        self.assertEqual(self.home.session[SESSION_KEY], str(self.member.pk))


class StaffUsernameAcrossAddressesTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.writer = make_user("wendy", group=WRITER_GROUP)
        cls.other = make_user("sam")

    def test_guessing_one_staff_password_from_many_addresses_is_stopped(self):
        limit = staff_username_limit()
        for _ in range(limit):
            response = admin_login(client_from_fresh_ip(), "wendy", "guess")
            self.assertEqual(response.status_code, 200)

        refused = admin_login(client_from_fresh_ip(), "wendy", PASSWORD)

        self.assertEqual(refused.status_code, 429)
        self.assertContains(refused, "Too many failed logins", status_code=429)
        self.assertEqual(AccessAttempt.objects.filter(username="wendy").count(), limit)
        # Another staff member's login is not affected.
        other = admin_login(client_from_fresh_ip(), "sam", PASSWORD)
        self.assertEqual(other.status_code, 302)

    def test_the_per_username_limit_is_above_the_per_address_one(self):
        self.assertGreater(staff_username_limit(), settings.AXES_FAILURE_LIMIT)
        client = client_from_fresh_ip()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            admin_login(client, "wendy", "guess")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            admin_login(client_from_fresh_ip(), "wendy", "guess")

        # Below both limits: the right password still logs in.
        self.assertEqual(admin_login(client, "wendy", PASSWORD).status_code, 302)

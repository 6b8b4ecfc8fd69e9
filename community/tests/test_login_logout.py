"""Members log in and out by email address; an unconfirmed address cannot log
in; repeated failures lock the account; the address never shows in public."""

from axes.models import AccessAttempt
from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse

from community.tests.account_helpers import (
    client_from_fresh_ip,
    fresh_email,
    make_fresh_member,
    signup_data,
)
from devdata.personas import PASSWORD

LOGIN = reverse("account_login")
LOGOUT = reverse("account_logout")
SESSION_USER = "_auth_user_id"


class LoginLogoutTestCase(TestCase):
    def setUp(self) -> None:
        self.client = client_from_fresh_ip()
        self.member = make_fresh_member("SunnyMina")

    def login(self, login: str, password: str = PASSWORD):
        return self.client.post(LOGIN, {"login": login, "password": password})

    def test_a_member_logs_in_by_email_and_lands_on_my_page(self):
        response = self.login(self.member.email.upper())  # letter case is ignored

        self.assertRedirects(response, "/me/", fetch_redirect_response=False)
        self.assertEqual(self.client.session[SESSION_USER], str(self.member.pk))

    def test_the_username_does_not_log_in(self):
        response = self.login(self.member.username)

        self.assertEqual(response.status_code, 200)
        self.assertNotIn(SESSION_USER, self.client.session)

    def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(self):
        response = self.login(self.member.email, "not the password")

        self.assertContains(response, "email address and/or password")
        self.assertNotIn(SESSION_USER, self.client.session)

    def test_logging_out_is_a_post_and_ends_the_session(self):
        self.login(self.member.email)

        self.assertEqual(self.client.get(LOGOUT).status_code, 200)  # asks first
        self.assertIn(SESSION_USER, self.client.session)
        response = self.client.post(LOGOUT)

        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertNotIn(SESSION_USER, self.client.session)

    def test_the_header_offers_login_and_sign_up_to_visitors(self):
        response = self.client.get(reverse("public:home"))

        self.assertContains(response, f'<a href="{LOGIN}">Log in</a>', html=True)
        self.assertContains(
            response, f'<a href="{reverse("account_signup")}">Sign up</a>', html=True
        )
        self.assertNotContains(response, "Log out")

    def test_the_header_shows_the_pseudonym_my_page_and_a_logout_form(self):
        self.login(self.member.email)

        response = self.client.get(reverse("public:home"))

        self.assertContains(response, "SunnyMina")
        self.assertContains(response, '<a href="/me/">My page</a>', html=True)
        self.assertContains(response, f'action="{LOGOUT}"')
        self.assertContains(response, 'name="csrfmiddlewaretoken"')
        self.assertNotContains(response, f'href="{LOGIN}"')


class UnverifiedLoginTestCase(TestCase):
    def test_an_unconfirmed_address_cannot_log_in(self):
        client = client_from_fresh_ip()
        data = signup_data()
        client.post(reverse("account_signup"), data)
        client.logout()  # nothing half-finished left in the session

        response = client.post(
            LOGIN, {"login": data["email"], "password": data["password1"]}
        )

        self.assertRedirects(
            response,
            reverse("account_email_verification_sent"),
            fetch_redirect_response=False,
        )
        self.assertNotIn(SESSION_USER, client.session)
        self.assertNotEqual(client.get("/me/").status_code, 200)


class EmailStaysPrivateTestCase(TestCase):
    def test_the_address_shows_only_on_the_accounts_own_email_settings_page(self):
        member = make_fresh_member("SunnyMina")
        client = client_from_fresh_ip()
        client.post(LOGIN, {"login": member.email, "password": PASSWORD})

        pages = [
            reverse("public:home"),
            reverse("public:condition_index"),
            reverse("public:editorial_policy"),
            "/me/",
            reverse("account_change_password"),
            reverse("account_reset_password"),
            LOGOUT,
        ]
        for path in pages:
            with self.subTest(path=path):
                response = client.get(path)
                self.assertIn(response.status_code, {200, 404})
                self.assertNotContains(
                    response, member.email, status_code=response.status_code
                )
                self.assertNotContains(
                    response,
                    member.email.split("@")[0],
                    status_code=response.status_code,
                )
        settings_page = client.get(reverse("account_email"))
        self.assertContains(settings_page, member.email)
        self.assertNotContains(settings_page, "<script")  # the site needs none


class MemberLockoutTestCase(TestCase):
    """Guessing is stopped per client address: allauth's limit on one address
    trying many accounts, and django-axes' hour-long lock of one account at one
    address, like the admin's. Failures for one account from everywhere add a
    challenge instead of a lock (diseasemaps/tests/test_lockout_abuse.py)."""

    def setUp(self) -> None:
        self.member = make_fresh_member("SunnyMina")

    def login(self, client, password: str, login: str = ""):
        login = login or self.member.email
        return client.post(LOGIN, {"login": login, "password": password})

    def test_allauth_stops_one_address_trying_many_accounts(self):
        per_ip = settings.ACCOUNT_RATE_LIMITS["login_failed"]
        self.assertEqual(per_ip, "10/m/ip")
        client = client_from_fresh_ip()
        for _ in range(int(per_ip.split("/")[0])):
            self.login(client, "wrong password", fresh_email("someone"))

        response = self.login(client, PASSWORD)  # the right one, for now

        self.assertContains(response, "Too many failed login attempts")
        self.assertNotIn(SESSION_USER, client.session)
        # From the member's own address, nothing changed.
        home = client_from_fresh_ip()
        self.assertEqual(self.login(home, PASSWORD).status_code, 302)
        self.assertIn(SESSION_USER, home.session)

    # Only axes here: allauth's own limit would stop the attempts first.
    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": ""})
    def test_axes_locks_the_address_after_the_failure_limit(self):
        client = client_from_fresh_ip()
        for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            # Letter case changes nothing: an address is counted once.
            login = self.member.email.upper() if attempt % 2 else ""
            self.assertEqual(self.login(client, "wrong", login).status_code, 200)
        self.assertEqual(self.login(client, "wrong").status_code, 429)

        locked = self.login(client, PASSWORD)

        self.assertContains(locked, "Too many failed logins", status_code=429)
        self.assertNotContains(locked, self.member.email, status_code=429)
        self.assertNotIn(SESSION_USER, client.session)
        self.assertEqual(
            list(AccessAttempt.objects.values_list("username", flat=True)),
            [self.member.email],
        )

    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": ""})
    def test_a_successful_login_clears_the_failed_attempts(self):
        client = client_from_fresh_ip()
        self.login(client, "wrong")
        self.login(client, "wrong")
        self.assertEqual(AccessAttempt.objects.get().failures_since_start, 2)

        response = self.login(client, PASSWORD)

        self.assertEqual(response.status_code, 302)
        self.assertFalse(AccessAttempt.objects.exists())

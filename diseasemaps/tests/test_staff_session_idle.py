"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request; a
staff member who keeps working stays logged in; members are not affected.
Idleness is simulated by moving the session's last-seen time back."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import TestCase
from django.urls import reverse

from devdata.personas import Client, make_member, make_user
from diseasemaps.lib.staff_sessions import LAST_SEEN, TOUCH_EVERY_SECONDS

ADMIN = reverse("admin:index")


class StaffSessionIdleTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.staff = make_user("wendy")
        cls.member = make_member("mina")

    def logged_in(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def idle_for(self, client: Client, seconds: int) -> None:
        session = client.session
        session[LAST_SEEN] = int(time.time()) - seconds
        session.save()

    def limit(self) -> int:
        return settings.STAFF_SESSION_IDLE_MINUTES * 60

    def test_the_default_is_thirty_minutes(self):
        self.assertEqual(settings.STAFF_SESSION_IDLE_MINUTES, 30)

    def test_an_idle_staff_session_is_logged_out(self):
        client = self.logged_in(self.staff)
        self.idle_for(client, self.limit() + 1)

        response = client.get(ADMIN, follow=True)

        self.assertEqual(
            response.redirect_chain[0][0], f"{reverse('admin:login')}?next={ADMIN}"
        )
        self.assertContains(response, "logged out after 30 minutes without activity")
        self.assertNotIn(SESSION_KEY, client.session)

    def test_an_idle_staff_session_ends_on_public_pages_too(self):
        client = self.logged_in(self.staff)
        self.idle_for(client, self.limit() + 1)

        response = client.get(reverse("public:home"))

        self.assertEqual(response.status_code, 200)
        self.assertNotIn(SESSION_KEY, client.session)

    def test_an_active_staff_session_stays(self):
        client = self.logged_in(self.staff)
        for _ in range(3):
            self.idle_for(client, self.limit() - 60)
            self.assertEqual(client.get(ADMIN).status_code, 200)
            # Each request moved the last-seen time to now.
            self.assertLess(int(time.time()) - client.session[LAST_SEEN], 5)

    def test_last_seen_is_written_at_most_once_a_minute(self):
        client = self.logged_in(self.staff)
        self.idle_for(client, TOUCH_EVERY_SECONDS - 10)
        before = client.session[LAST_SEEN]

        client.get(ADMIN)

        self.assertEqual(client.session[LAST_SEEN], before)

    def test_the_staff_session_cookie_expires_with_the_idle_limit(self):
        client = self.logged_in(self.staff)
        self.idle_for(client, TOUCH_EVERY_SECONDS + 1)

        response = client.get(ADMIN)

        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        self.assertEqual(int(cookie["max-age"]), self.limit())

    def test_members_keep_the_normal_session_length(self):
        client = self.logged_in(self.member)
        self.idle_for(client, self.limit() * 10)

        response = client.get(reverse("community:me"))

        self.assertEqual(response.status_code, 200)
        self.assertEqual(client.session[SESSION_KEY], str(self.member.pk))
        self.assertEqual(client.session.get_expiry_age(), settings.SESSION_COOKIE_AGE)

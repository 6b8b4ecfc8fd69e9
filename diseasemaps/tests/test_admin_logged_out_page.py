"""Logging out of the admin ends on a page in our words, not Django's, with the
console's own verbs ("Log in", as on the login page and the idle-logout notice)."""

from bs4 import BeautifulSoup
from django.urls import reverse

from devdata.personas import PersonasTestCase

DJANGO_DEFAULT = "Thanks for spending some quality time with the web site today."


class AdminLoggedOutPageTestCase(PersonasTestCase):
    def test_it_says_you_are_logged_out_and_offers_to_log_in_again(self):
        self.client.force_login(self.writer)

        response = self.client.post(reverse("admin:logout"))

        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, DJANGO_DEFAULT)
        self.assertNotContains(response, "quality time")
        soup = BeautifulSoup(response.content, "html.parser")
        content = " ".join(soup.select_one("#content").get_text().split())
        self.assertIn(
            "You are logged out of the DiseaseMaps editorial console.", content
        )
        log_in = soup.select_one("#content").find("a", string="Log in again")
        self.assertEqual(log_in["href"], reverse("admin:login"))
        # Logged out for real: the console asks for a login again.
        again = self.client.get(reverse("admin:index"))
        self.assertRedirects(
            again,
            f"{reverse('admin:login')}?next={reverse('admin:index')}",
            fetch_redirect_response=False,
        )

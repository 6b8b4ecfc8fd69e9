"""Members see their own unpublished posts; nobody else does."""

from django.core.cache import cache
from django.urls import reverse

from community import services
from community.tests.helpers import share, share_published
from devdata.personas import PersonasTestCase, draft, make_condition, publish


class VisibilityTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.pending = share(
            self.member, self.condition, self.question, body="PENDING " * 5
        )
        hidden = share(self.member, self.condition, body="HIDDEN " * 5)
        services.hide_experience(user=self.moderator, experience=hidden, reason="x")
        removed = share(self.member, self.condition, body="REMOVED " * 5)
        services.remove_experience(user=self.moderator, experience=removed, reason="x")
        share_published(
            self.other_member,
            self.condition,
            body="PUBLIC " * 5,
            moderator=self.moderator,
        )
        self.urls = [
            reverse("community:experiences", args=["poems-syndrome"]),
            reverse("community:experiences", args=["poems-syndrome"])
            + "?question=is-it-contagious",
            self.question.get_absolute_url(),
            self.condition.get_absolute_url(),
        ]

    def texts(self, url: str) -> str:
        return self.client.get(url).content.decode()

    def test_anonymous_visitors_and_other_members_see_only_published_posts(self):
        for login in [None, self.other_member, self.moderator]:
            self.client.logout()
            if login:
                self.client.force_login(login)
            for url in self.urls:
                with self.subTest(login=login and login.username, url=url):
                    html = self.texts(url)
                    for secret in ["PENDING", "HIDDEN", "REMOVED"]:
                        self.assertNotIn(secret, html)

    def test_the_author_sees_their_pending_and_hidden_posts_labelled(self):
        self.client.force_login(self.member)
        html = self.texts(self.urls[0])
        self.assertIn("PENDING", html)
        self.assertIn("Waiting for moderation: only you can see this", html)
        self.assertIn("HIDDEN", html)
        self.assertNotIn("REMOVED", html)
        self.assertIn("PUBLIC", html)

"""The experiences list's "Older" and "Newer" links keep the question filter by
the question's approved address. They used its draft slug: once a writer had
changed the slug in a draft not yet approved, the next page forgot the filter
and showed every post of the condition."""

from bs4 import BeautifulSoup
from django.core.cache import cache

from community.models import Experience
from community.tests.helpers import share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    edit,
    make_member,
    make_poems,
    publish,
)


class ExperiencePagesKeepTheFilterTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        # A slug change in a draft nobody has approved yet.
        edit(cls.question, cls.writer, slug="can-you-catch-it")
        for n in range(11):  # one more than a page
            share_published(
                make_member(f"sharer{n}"),
                cls.condition,
                cls.question,
                moderator=cls.moderator,
            )

    def setUp(self) -> None:
        cache.clear()

    def test_the_next_page_keeps_the_approved_question(self):
        url = "/conditions/poems-syndrome/experiences/?question=is-it-contagious"
        soup = BeautifulSoup(self.client.get(url).content, "html.parser")
        older = soup.find("a", string="Older")
        self.assertIsNotNone(older)
        self.assertEqual(older["href"], "?question=is-it-contagious&page=2")
        page_two = self.client.get(
            f"/conditions/poems-syndrome/experiences/{older['href']}"
        )
        self.assertEqual(page_two.status_code, 200)
        self.assertEqual(Experience.objects.count(), 11)
        shown = BeautifulSoup(page_two.content, "html.parser").select(
            "article.experience"
        )
        self.assertEqual(len(shown), 1)

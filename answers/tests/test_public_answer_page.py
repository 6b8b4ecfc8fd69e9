"""The minimal public answer page: only approved revisions ever reach it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import services
from diseasemaps.testing import PersonasTestCase, draft, edit, make_condition, publish


class PublicAnswerPageTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        self.revision = publish(
            self.question, writer=self.writer, reviewer=self.reviewer
        )

    def test_it_shows_the_live_revision_with_its_reviewer_and_dates(self):
        page = self.client.get("/conditions/poems-syndrome/is-it-contagious/")

        visible = page.content.decode().split("<main", 1)[1]
        self.assertEqual(visible.count(self.revision.short_answer), 1)
        self.assertContains(page, '<h2 id="what-causes-it">What causes it?</h2>')
        self.assertContains(
            page, "Short answer · Medically reviewed summary · Last updated"
        )
        self.assertContains(page, "Dr Rita Osei, MBChB, FRCP (Haematology)")
        self.assertContains(page, self.reviewer_profile.get_absolute_url())
        self.assertContains(page, "does not replace your own care team")
        self.assertNotContains(page, "Review overdue")

    def test_drafts_never_leak(self):
        edit(self.question, self.writer, short_answer="SECRET DRAFT WORDING")
        services.submit_for_review(question=self.question, user=self.writer)
        unpublished = draft(self.writer, self.condition, short_answer="NEVER LIVE")

        for url in [
            self.question.get_absolute_url(),
            reverse("answers:condition", args=["poems-syndrome"]),
            reverse("answers:home"),
            self.reviewer_profile.get_absolute_url(),
        ]:
            with self.subTest(url=url):
                page = self.client.get(url)
                self.assertNotContains(page, "SECRET DRAFT WORDING")
                self.assertNotContains(page, "NEVER LIVE")
        self.assertEqual(
            self.client.get(unpublished.get_absolute_url()).status_code, 404
        )

    def test_unknown_addresses_are_friendly_404s(self):
        for url in [
            "/conditions/poems-syndrome/no-such-question/",
            "/conditions/no-such-condition/is-it-contagious/",
            "/reviewers/nobody/",
        ]:
            with self.subTest(url=url):
                page = self.client.get(url)
                self.assertEqual(page.status_code, 404)
                self.assertContains(
                    page, "We could not find that page", status_code=404
                )

    def test_the_reviewer_page_lists_what_they_reviewed(self):
        page = self.client.get(self.reviewer_profile.get_absolute_url())
        self.assertContains(page, "Speaker fees from Example Pharma")
        self.assertContains(page, self.question.get_absolute_url())

    def test_the_answer_page_query_count_does_not_grow(self):
        url = self.question.get_absolute_url()

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries)

        before = count()
        for _ in range(6):
            other = draft(self.writer, self.condition)
            publish(other, writer=self.writer, reviewer=self.second_reviewer)
            edit(self.question, self.writer, short_answer="Change")
            edit(self.question, self.writer, short_answer=self.revision.short_answer)
        self.assertEqual(count(), before)

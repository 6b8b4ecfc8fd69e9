"""Corrections and updates: each answer page lists its approved changes with
the writer's one-line summary (re-certifications as "Checked, no change
needed"), /about/corrections/ and its feed list every change to a published
answer, and a draft's summary is never shown anywhere before approval."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import services
from answers.models import StoredPage
from devdata.personas import PersonasTestCase, draft, edit, make_condition, publish

SUMMARY = "Corrected the age at which symptoms usually start."
DRAFT_SUMMARY = "Draftsummary: not approved yet."


class CorrectionsTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        edit(
            cls.question,
            cls.writer,
            short_answer="No. It is not an infection: you cannot catch it.",
            change_summary=SUMMARY,
        )
        publish(cls.question, writer=cls.writer, reviewer=cls.second_reviewer)
        services.recertify(item=cls.question, user=cls.reviewer, coi_confirmed=True)
        # A change waiting for review, with its own summary.
        edit(
            cls.question,
            cls.writer,
            body="## Why?\n\nNew text.",
            change_summary=DRAFT_SUMMARY,
        )
        services.submit_for_review(item=cls.question, user=cls.writer)

    def test_the_answer_page_lists_approvals_and_checks_newest_first(self):
        page = self.client.get(self.question.get_absolute_url()).content.decode()
        self.assertIn("Corrections and updates", page)
        listed = page[page.index("corrections-list") :]
        checked = listed.index("Checked, no change needed.")
        corrected = listed.index(SUMMARY)
        first = listed.index("First published.")
        self.assertLess(checked, corrected)
        self.assertLess(corrected, first)

    def test_a_drafts_summary_is_shown_nowhere_public(self):
        for url in (
            self.question.get_absolute_url(),
            reverse("public:corrections"),
            reverse("public:corrections_feed"),
            reverse("public:feed"),
            "/sitemap.xml",
        ):
            self.assertNotContains(self.client.get(url), "Draftsummary", msg_prefix=url)

    def test_the_review_screen_preview_shows_the_pending_summary(self):
        self.client.force_login(self.second_reviewer)
        preview = self.client.get(
            reverse("public:preview_answer", args=[self.question.pk])
        )
        self.assertContains(preview, DRAFT_SUMMARY)
        self.assertContains(preview, SUMMARY)

    def test_the_site_wide_page_and_feed_list_changes(self):
        page = self.client.get(reverse("public:corrections"))
        self.assertContains(page, SUMMARY)
        self.assertContains(page, self.question.get_absolute_url())
        self.assertNotContains(page, "First published")
        feed = self.client.get(reverse("public:corrections_feed"))
        self.assertEqual(feed["Content-Type"], "application/atom+xml; charset=utf-8")
        self.assertContains(feed, SUMMARY)
        self.assertIn("public, no-cache", page["Cache-Control"])

    def test_approval_clears_the_draft_summary_for_the_next_change(self):
        services.approve(
            item=self.question,
            user=self.second_reviewer,
            expected_version=self.question.draft_version,
            coi_confirmed=True,
        )
        self.question.refresh_from_db()
        self.assertEqual(self.question.change_summary, "")
        self.assertEqual(self.question.live_revision.change_summary, DRAFT_SUMMARY)
        self.assertContains(
            self.client.get(self.question.get_absolute_url()), DRAFT_SUMMARY
        )

    def test_the_list_costs_one_query_however_long_it_is(self):
        def render_queries() -> int:
            StoredPage.objects.all().delete()
            with CaptureQueriesContext(connection) as queries:
                self.client.get(f"{self.question.get_absolute_url()}?{uuid.uuid4()}")
            return len(queries)

        render_queries()  # content types, stamps: what any first render makes
        before = render_queries()
        for _ in range(3):
            services.recertify(
                item=self.question, user=self.second_reviewer, coi_confirmed=True
            )
        render_queries()  # the recertifications' own lazy reads land here
        self.assertEqual(render_queries(), before)

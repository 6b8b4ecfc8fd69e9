"""Moderators see each report's weight and its reporter's record when it was
made, and never who the reporter is."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import services
from community.models import Report
from community.tests.helpers import give_record, share_published
from devdata.personas import PersonasTestCase, make_condition, make_member


class ReportWeightInAdminTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.post = share_published(
            self.member, self.condition, moderator=self.moderator
        )
        self.regular = make_member("regular")
        give_record(self.regular, moderator=self.moderator)
        services.report_experience(
            user=self.regular, experience=self.post, reason="Dangerous dosing advice."
        )
        services.report_experience(
            user=make_member("sock"), experience=self.post, reason="Spammy spam spam."
        )
        self.client.force_login(self.moderator)

    def test_the_moderation_page_shows_weight_and_record(self):
        page = self.client.get(
            reverse("admin:community_experience_moderate", args=[self.post.pk])
        )
        self.assertContains(page, "Open reports (2)")
        self.assertContains(page, "<strong>counts towards hiding</strong>", html=False)
        self.assertContains(page, "<strong>queue only</strong>", html=False)
        self.assertContains(page, "days old, address confirmed, approved posts: 1")
        self.assertContains(page, "account 0 days old")
        # Reports that count come first.
        body = page.content.decode()
        self.assertLess(
            body.index("Dangerous dosing advice"), body.index("Spammy spam spam")
        )
        for secret in ("regular@example.org", "sock@example.org", "Regular"):
            self.assertNotContains(page, secret)

    def test_the_queue_shows_reports_that_count(self):
        url = reverse("admin:community_experience_changelist") + "?queue=reported"
        with CaptureQueriesContext(connection) as one_post:
            self.client.get(url)
        second = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        services.report_experience(
            user=self.regular, experience=second, reason="Dangerous dosing advice."
        )
        with CaptureQueriesContext(connection) as two_posts:
            response = self.client.get(url)
        # The counts come with the rows: no query per post.
        self.assertEqual(len(two_posts), len(one_post))
        rows = {row.pk: row for row in response.context["cl"].result_list}
        counts = {pk: (r._open_reports, r._counted_reports) for pk, r in rows.items()}
        self.assertEqual(counts, {self.post.pk: (2, 1), second.pk: (1, 1)})
        self.assertContains(response, "Reports from members with a record")

    def test_the_report_list_and_page_show_weight_and_record(self):
        url = reverse("admin:community_report_changelist")
        with CaptureQueriesContext(connection) as two_reports:
            self.client.get(url)
        other = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        for user in (self.regular, make_member("sock2")):
            services.report_experience(user=user, experience=other, reason="Spam.")
        # The records are on the rows: no query per report.
        with CaptureQueriesContext(connection) as four_reports:
            response = self.client.get(url)
        self.assertEqual(len(four_reports), len(two_reports))
        self.assertContains(response, "Reporter&#x27;s record when reporting")
        self.assertContains(response, "approved posts: 0, reports upheld: 0")
        self.assertContains(response, "Counts towards hiding")
        self.assertNotContains(response, "regular@example.org")
        report = Report.objects.get(weight=1, experience=self.post)
        page = self.client.get(
            reverse("admin:community_report_change", args=[report.pk])
        )
        self.assertContains(page, "approved posts: 1")
        self.assertNotContains(page, "regular@example.org")

    def test_reports_made_before_weighting_say_so(self):
        Report.objects.update(reporter_age_days=None)
        page = self.client.get(
            reverse("admin:community_experience_moderate", args=[self.post.pk])
        )
        self.assertContains(page, "Not recorded (made before reports were weighted)")

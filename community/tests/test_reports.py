from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import CommunityError, NotAllowed, RateLimited
from community.models import ExperienceStatus, ModerationEvent, Report
from community.tests.helpers import give_record, share_published
from devdata.personas import PersonasTestCase, make_condition, make_member


class ReportTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.experience = share_published(
            self.member, self.condition, moderator=self.moderator
        )

    def report(self, user, reason: str = "It gives dangerous dosing advice."):
        return services.report_experience(
            user=user, experience=self.experience, reason=reason
        )

    def test_three_distinct_reports_hide_the_post_until_a_moderator_decides(self):
        reporters = [self.other_member, make_member("rae"), make_member("sol")]
        for reporter in reporters:  # members with a record (test_report_weight)
            give_record(reporter, moderator=self.moderator)
        self.report(reporters[0])
        self.report(reporters[1])
        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.PUBLISHED)

        self.report(reporters[2])

        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.HIDDEN)
        event = self.experience.moderation_events.get(
            action=ModerationEvent.Action.AUTO_HIDDEN
        )
        self.assertEqual(event.actor_name, "Automatic")
        # The moderator finds the reports unfounded: the post comes back.
        services.dismiss_reports(user=self.moderator, experience=self.experience)
        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.PUBLISHED)
        self.assertFalse(Report.objects.filter(resolved_at=None).exists())

    def test_one_person_reporting_twice_counts_once(self):
        self.report(self.other_member)
        with self.assertRaises(CommunityError):
            self.report(self.other_member)
        self.assertEqual(Report.objects.count(), 1)

    def test_members_cannot_report_their_own_post_and_anonymous_cannot_report(self):
        with self.assertRaises(CommunityError):
            self.report(self.member)
        from django.contrib.auth.models import AnonymousUser

        with self.assertRaises(NotAllowed):
            self.report(AnonymousUser())
        response = self.client.get(
            reverse("community:report", args=[self.experience.pk])
        )
        self.assertEqual(response.status_code, 302)

    def test_a_reason_is_required(self):
        with self.assertRaises(CommunityError):
            self.report(self.other_member, reason="  ")

    def test_reporting_is_rate_limited(self):
        limit = services.REPORT_LIMIT[0]
        posts = [
            share_published(
                make_member(f"author{i}"), self.condition, moderator=self.moderator
            )
            for i in range(limit + 1)
        ]
        for post in posts[:limit]:
            services.report_experience(
                user=self.other_member, experience=post, reason="Spam here"
            )
        with self.assertRaises(RateLimited):
            services.report_experience(
                user=self.other_member, experience=posts[-1], reason="Spam here"
            )

    def test_the_report_form(self):
        self.client.force_login(self.other_member)
        url = reverse("community:report", args=[self.experience.pk])
        self.assertContains(self.client.get(url), "What is wrong with this post?")
        response = self.client.post(url, {"reason": "This is advertising a clinic."})
        self.assertRedirects(
            response,
            reverse("community:experiences", args=["poems-syndrome"]),
            fetch_redirect_response=False,
        )
        report = Report.objects.get()
        self.assertEqual(report.reporter, self.other_member)

"""Issue 18: posts, edits and reports are screened (community.screening); a
crisis match holds the post at high risk, shows the writer the support page at
once and heads the moderators' queues until a moderator acts; nobody acting
within the response target mails every moderator once. Harmful advice is held
at medium risk. Nothing of the member's text goes into records or mail."""

import logging
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import (
    Experience,
    ExperienceStatus,
    ModerationEvent,
    RiskLevel,
)
from community.queues import MODERATION_QUEUES
from community.services import safety
from community.tests.helpers import share, share_published
from devdata.personas import PersonasTestCase, draft, make_condition, publish
from outbox.models import OutboundEmail

CRISIS = (
    "Living with this disease has worn me down and honestly I just want to die. "
    "I can't see any way forward."
)
ADVICE = (
    "Stop taking your steroids, they are poison. I stopped and I have never felt "
    "better in my life."
)
ORDINARY = (
    "My doctor stopped my steroids last spring and the fatigue is killing me, but "
    "the new infusions are going well."
)
Action = ModerationEvent.Action


class CrisisScreeningTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(question, writer=cls.writer, reviewer=cls.reviewer)

    def setUp(self) -> None:
        cache.clear()  # rate-limit counters

    def make_trusted(self) -> None:
        for _ in range(services.TRUSTED_AFTER_APPROVED_POSTS):
            share_published(self.member, self.condition, moderator=self.moderator)

    def post_form(self, body: str):
        self.client.force_login(self.member)
        return self.client.post(
            reverse("community:share", args=[self.condition.slug]),
            {
                "relation": "lives_with",
                "body": body,
                "submission_key": str(uuid.uuid4()),
                "post": "1",
            },
        )

    def test_a_crisis_post_is_held_at_high_risk_even_from_a_trusted_member(self):
        self.make_trusted()
        post = share(self.member, self.condition, body=CRISIS)

        post.refresh_from_db()
        self.assertEqual(post.status, ExperienceStatus.PENDING)
        self.assertEqual(post.risk, RiskLevel.HIGH)
        self.assertIsNotNone(post.risk_flagged_at)
        self.assertIn("crisis", post.screening["classes"])
        event = post.moderation_events.get(action=Action.FLAGGED)
        self.assertIn("High", event.reason)
        self.assertIn("crisis.", event.reason)  # term ids
        self.assertNotIn("want to die", event.reason)  # never the text
        self.assertNotIn("want to die", str(post.screening))

    def test_the_writer_sees_the_support_page_at_once(self):
        response = self.post_form(CRISIS)
        self.assertRedirects(
            response, reverse("community:support"), fetch_redirect_response=False
        )
        page = self.client.get(reverse("community:support"))
        self.assertContains(page, "If you or someone else is in danger now")
        self.assertContains(page, "usually within 1 hour")
        self.assertEqual(page["Cache-Control"].count("no-cache"), 1)

    def test_an_ordinary_post_goes_on_as_before(self):
        response = self.post_form(ORDINARY)
        self.assertRedirects(
            response, reverse("community:me"), fetch_redirect_response=False
        )
        post = Experience.objects.get(author__user=self.member)
        self.assertEqual(post.risk, RiskLevel.LOW)
        self.assertEqual(post.screening, {})

    def test_harmful_advice_is_held_at_medium_without_the_support_page(self):
        self.make_trusted()
        response = self.post_form(ADVICE)
        self.assertRedirects(
            response, reverse("community:me"), fetch_redirect_response=False
        )
        post = Experience.objects.filter(author__user=self.member).latest("pk")
        self.assertEqual(post.status, ExperienceStatus.PENDING)
        self.assertEqual(post.risk, RiskLevel.MEDIUM)
        self.assertIn("harmful_advice", post.screening["classes"])

    def test_high_risk_heads_the_queues_until_a_moderator_acts(self):
        first_queue = next(iter(MODERATION_QUEUES))
        self.assertEqual(first_queue, "risk")
        high_risk = MODERATION_QUEUES["risk"][1]
        post = share(self.member, self.condition, body=CRISIS)
        self.assertEqual(list(high_risk(Experience.objects.all())), [post])

        self.client.force_login(self.moderator)
        page = self.client.get(
            reverse("admin:community_experience_changelist") + "?queue=risk"
        )
        self.assertContains(
            page, reverse("admin:community_experience_moderate", args=[post.pk])
        )
        moderate = self.client.get(
            reverse("admin:community_experience_moderate", args=[post.pk])
        )
        self.assertContains(moderate, "High: the member may be at risk")
        self.assertContains(moderate, "act within 1 hour")

        services.approve_experience(user=self.moderator, experience=post)
        post.refresh_from_db()
        self.assertIsNotNone(post.risk_handled_at)
        self.assertEqual(list(high_risk(Experience.objects.all())), [])

    def test_an_edit_into_crisis_words_is_flagged(self):
        post = share_published(self.member, self.condition, moderator=self.moderator)
        self.client.force_login(self.member)
        response = self.client.post(
            reverse("community:edit", args=[post.pk]), {"body": CRISIS}
        )
        self.assertRedirects(
            response, reverse("community:support"), fetch_redirect_response=False
        )
        post.refresh_from_db()
        self.assertEqual(post.risk, RiskLevel.HIGH)
        self.assertEqual(post.screening["source"], "edit")
        self.assertEqual(post.status, ExperienceStatus.PUBLISHED)  # old text stays
        self.assertEqual(post.pending_body, CRISIS)

    def test_a_report_saying_someone_is_in_danger_flags_the_post(self):
        post = share_published(self.member, self.condition, moderator=self.moderator)
        self.client.force_login(self.other_member)
        response = self.client.post(
            reverse("community:report", args=[post.pk]),
            {"reason": "She says in another thread she wants to kill herself."},
        )
        self.assertRedirects(
            response, reverse("community:support"), fetch_redirect_response=False
        )
        post.refresh_from_db()
        self.assertEqual(post.risk, RiskLevel.HIGH)
        self.assertEqual(post.screening["source"], "report")

    def test_a_new_match_after_a_moderator_acted_starts_the_clock_again(self):
        post = share(self.member, self.condition, body=CRISIS)
        services.approve_experience(user=self.moderator, experience=post)
        post.refresh_from_db()
        first_flag = post.risk_flagged_at

        services.edit_experience(user=self.member, experience=post, body=CRISIS + " ")

        post.refresh_from_db()
        self.assertIsNone(post.risk_handled_at)
        self.assertGreater(post.risk_flagged_at, first_flag)

    def test_overdue_high_risk_mails_every_moderator_once_without_member_text(self):
        post = share(self.member, self.condition, body=CRISIS)
        Experience.objects.filter(pk=post.pk).update(
            risk_flagged_at=timezone.now() - timedelta(minutes=61)
        )
        OutboundEmail.objects.all().delete()
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(safety.alert_overdue_high_risk(), 1)
            self.assertEqual(safety.alert_overdue_high_risk(), 0)  # once

        (queued,) = OutboundEmail.objects.all()
        self.assertEqual(queued.recipient, "mo@example.org")
        self.assertIn(f"#{post.pk}", queued.subject)
        self.assertNotIn("want to die", queued.body)
        self.assertNotIn("POEMS", queued.body)
        self.assertNotIn("SunnyMina", queued.body)
        self.assertTrue(
            post.moderation_events.filter(action=Action.RISK_ALERT).exists()
        )

    def test_not_overdue_yet_or_already_acted_on_alerts_nobody(self):
        post = share(self.member, self.condition, body=CRISIS)
        self.assertEqual(safety.alert_overdue_high_risk(), 0)
        services.approve_experience(user=self.moderator, experience=post)
        Experience.objects.filter(pk=post.pk).update(
            risk_flagged_at=timezone.now() - timedelta(hours=3)
        )
        self.assertEqual(safety.alert_overdue_high_risk(), 0)

    def test_the_author_asking_for_a_review_does_not_count_as_acting(self):
        from community.services.moderation import _record

        post = share(self.member, self.condition, body=CRISIS)
        _record(post, Action.REVIEW_REQUESTED, self.member)
        post.refresh_from_db()
        self.assertIsNone(post.risk_handled_at)

    def test_screening_logs_no_member_text(self):
        with self.assertLogs("", level=logging.DEBUG) as logs:
            logging.getLogger("community").debug("start")
            share(self.member, self.condition, body=CRISIS)
        self.assertNotIn("want to die", "\n".join(logs.output))

    def test_the_members_download_says_what_the_screening_found(self):
        share(self.member, self.condition, body=CRISIS)
        data = services.export_member_data(user=self.member)
        (post,) = data["experiences"]
        self.assertEqual(post["screening"]["risk_level"], RiskLevel.HIGH.label)
        self.assertIn("suicide", post["screening"]["found"])

    def test_the_high_risk_queue_lists_the_longest_waiting_first(self):
        older = share(self.member, self.condition, body=CRISIS)
        newer = share(self.other_member, self.condition, body=CRISIS)
        Experience.objects.filter(pk=older.pk).update(
            risk_flagged_at=timezone.now() - timedelta(minutes=30)
        )
        self.client.force_login(self.moderator)
        page = self.client.get(
            reverse("admin:community_experience_changelist") + "?queue=risk"
        )
        self.assertEqual(
            [post.pk for post in page.context["cl"].result_list],
            [older.pk, newer.pk],
        )

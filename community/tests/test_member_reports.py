"""Issue 18: members report a member (not just a post); moderators decide.

A member report never sanctions anyone by itself, however many accounts send
one; floods from accounts without a record are cut off per reported member;
the reporter shares one budget for post and member reports. Moderators read
the reports beside the member's recent posts and may dismiss them, hold the
member's new posts for moderation or suspend their posting (with a reason the
member sees), each step an append-only MemberModerationEvent. The reported
member is never told who reported them.
"""

from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import (
    AlreadyQueued,
    CommunityError,
    InvalidTransition,
    NotAllowed,
    RateLimited,
)
from community.models import (
    ExperienceStatus,
    Member,
    MemberModerationEvent,
    MemberReport,
)
from community.services import member_reports
from community.tests.helpers import give_record, share, share_published
from devdata.personas import (
    PersonasTestCase,
    add_facts,
    draft,
    make_member,
    make_poems,
    publish,
)
from outbox.models import OutboundEmail

Action = MemberModerationEvent.Action
CRISIS = (
    "Their messages got to me and honestly I just want to die. I can't see any "
    "way forward."
)


class MemberReportTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = add_facts(make_poems())
        question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(question, writer=cls.writer, reviewer=cls.reviewer)
        cls.seller = make_member("seller", pseudonym="CureSeller")
        cls.seller_profile = Member.objects.get(user=cls.seller)
        # Trusted: three approved posts, so new posts would go live at once.
        cls.posts = [
            share_published(cls.seller, cls.condition, moderator=cls.moderator)
            for _ in range(3)
        ]

    def setUp(self) -> None:
        cache.clear()
        self.url = reverse("community:report_author", args=[self.posts[0].pk])

    def report(self, user=None, **extra):
        return member_reports.report_member(
            user=user or self.member,
            member=self.seller_profile,
            category=extra.pop("category", "selling"),
            reason=extra.pop("reason", "Sells a cure in every post."),
            **extra,
        )

    # --- Reporting ------------------------------------------------------------

    def test_the_report_form_sends_a_report_that_acts_on_nobody(self):
        mails = OutboundEmail.objects.count()
        self.client.force_login(self.member)
        page = self.client.get(self.url)
        self.assertContains(page, "Report CureSeller")
        self.assertContains(page, "Selling products or treatments")
        response = self.client.post(
            self.url, {"category": "selling", "reason": "Links to a shop."}
        )
        self.assertRedirects(
            response,
            reverse("community:experiences", args=[self.condition.address]),
            fetch_redirect_response=False,
        )
        report = MemberReport.objects.get()
        self.assertEqual(report.member, self.seller_profile)
        self.assertEqual(report.reporter, self.member)
        self.assertEqual(report.experience_ref, self.posts[0].pk)
        self.assertEqual(report.outcome, MemberReport.Outcome.OPEN)
        self.assertFalse(report.record_summary.startswith("Not"))
        self.seller_profile.refresh_from_db()
        self.assertFalse(self.seller_profile.posts_held)
        self.assertFalse(self.seller_profile.posting_suspended)
        self.assertFalse(MemberModerationEvent.objects.exists())
        # Nobody was mailed: the member is not told.
        self.assertEqual(OutboundEmail.objects.count(), mails)

    def test_other_needs_words_and_the_other_categories_do_not(self):
        self.client.force_login(self.member)
        response = self.client.post(self.url, {"category": "other", "reason": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tell the moderators briefly what is wrong.")
        self.assertFalse(MemberReport.objects.exists())
        with self.assertRaises(CommunityError):
            self.report(category="other", reason="")
        with self.assertRaises(CommunityError):
            self.report(category="made-up")
        self.report(category="spam", reason="")
        self.assertEqual(MemberReport.objects.get().reason, "")

    def test_nobody_reports_themselves(self):
        with self.assertRaises(NotAllowed):
            self.report(user=self.seller)
        self.client.force_login(self.seller)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        response = self.client.post(self.url, {"category": "spam"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(MemberReport.objects.exists())

    def test_anonymous_readers_are_asked_to_log_in(self):
        with self.assertRaises(NotAllowed):
            self.report(user=None or _Anonymous())
        response = self.client.post(self.url, {"category": "spam"})
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])
        self.assertFalse(MemberReport.objects.exists())

    def test_one_open_report_per_person(self):
        self.report()
        with self.assertRaises(CommunityError):
            self.report()
        self.assertEqual(MemberReport.objects.count(), 1)

    def test_the_reporter_is_never_shown_to_the_reported_member(self):
        self.report()
        self.client.force_login(self.seller)
        me = self.client.get(reverse("community:me"))
        self.assertNotContains(me, "SunnyMina")
        self.assertNotContains(me, "reported")
        export = services.export_member_data(user=self.seller)
        self.assertNotIn("SunnyMina", str(export))
        self.assertNotIn("Sells a cure", str(export))

    def test_a_crisis_in_the_report_shows_the_support_page(self):
        self.client.force_login(self.member)
        response = self.client.post(
            self.url, {"category": "harassment", "reason": CRISIS}
        )
        self.assertRedirects(
            response, reverse("community:support"), fetch_redirect_response=False
        )
        report = MemberReport.objects.get()
        self.assertEqual(report.risk, "high")
        self.assertIn("crisis", report.screening["classes"])
        # Term ids, never the words.
        self.assertNotIn("die", str(report.screening.get("terms", "")).split())

    # --- Floods ---------------------------------------------------------------

    def test_a_flood_from_fresh_accounts_never_sanctions_and_is_cut_off(self):
        limit = member_reports.REPORTS_PER_MEMBER_WITHOUT_RECORD[0]
        for n in range(limit):
            self.report(user=make_member(f"sock{n}"), category="harassment")
        with self.assertRaises(AlreadyQueued):
            self.report(user=make_member("sock-late"), category="harassment")
        self.assertEqual(MemberReport.objects.count(), limit)
        self.assertEqual(MemberReport.objects.filter(weight=0).count(), limit)
        self.seller_profile.refresh_from_db()
        self.assertFalse(self.seller_profile.posts_held)
        self.assertFalse(self.seller_profile.posting_suspended)
        self.assertFalse(MemberModerationEvent.objects.exists())
        # The member still posts, and a trusted member's post still goes live.
        post = share(self.seller, self.condition)
        self.assertEqual(post.status, ExperienceStatus.PUBLISHED)

    def test_a_reporter_with_a_record_is_not_held_back_by_a_flood(self):
        limit = member_reports.REPORTS_PER_MEMBER_WITHOUT_RECORD[0]
        for n in range(limit):
            self.report(user=make_member(f"sock{n}"))
        give_record(self.other_member, moderator=self.moderator)
        report = self.report(user=self.other_member)
        self.assertEqual(report.weight, 1)

    def test_post_and_member_reports_share_one_budget(self):
        limit = services.REPORT_LIMIT[0]
        others = [
            share_published(
                make_member(f"author{n}"), self.condition, moderator=self.moderator
            )
            for n in range(limit)
        ]
        for post in others:
            services.report_experience(
                user=self.member, experience=post, reason="Spam here"
            )
        with self.assertRaises(RateLimited):
            self.report()
        self.assertFalse(MemberReport.objects.exists())

    # --- Moderators -----------------------------------------------------------

    def test_holding_posts_revokes_trust_and_is_recorded(self):
        self.report()
        member_reports.hold_member_posts(
            user=self.moderator, member=self.seller_profile, reason="Selling."
        )
        self.seller_profile.refresh_from_db()
        self.assertTrue(self.seller_profile.posts_held)
        self.assertEqual(MemberReport.objects.get().outcome, MemberReport.Outcome.ACTED)
        event = MemberModerationEvent.objects.get()
        self.assertEqual(event.action, Action.POSTS_HELD)
        self.assertEqual(event.member_ref, self.seller_profile.pk)
        self.assertEqual(event.actor, self.moderator)
        post = share(self.seller, self.condition)
        self.assertEqual(post.status, ExperienceStatus.PENDING)
        member_reports.release_member_posts(
            user=self.moderator, member=self.seller_profile
        )
        self.assertEqual(
            share(self.seller, self.condition).status, ExperienceStatus.PUBLISHED
        )

    def test_suspending_stops_posting_and_tells_the_member_why(self):
        member_reports.suspend_posting(
            user=self.moderator,
            member=self.seller_profile,
            reason="Advertising a clinic in every post.",
        )
        with self.assertRaises(NotAllowed) as refused:
            share(self.seller, self.condition)
        self.assertIn("Advertising a clinic", str(refused.exception))
        with self.assertRaises(NotAllowed):
            services.edit_experience(
                user=self.seller,
                experience=self.posts[0],
                body=self.posts[0].body + " more",
            )
        mail = OutboundEmail.objects.get(subject__contains="cannot post")
        self.assertIn("Advertising a clinic", mail.body)
        self.assertNotIn("SunnyMina", mail.body)
        self.client.force_login(self.seller)
        me = self.client.get(reverse("community:me"))
        self.assertContains(me, "A moderator has suspended your posting")
        self.assertContains(me, "Advertising a clinic")
        share_url = reverse("community:share", args=[self.condition.address])
        self.assertRedirects(
            self.client.get(share_url),
            reverse("community:me"),
            fetch_redirect_response=False,
        )
        member_reports.lift_suspension(user=self.moderator, member=self.seller_profile)
        share(self.seller, self.condition)
        self.assertEqual(
            list(
                MemberModerationEvent.objects.order_by("pk").values_list(
                    "action", flat=True
                )
            ),
            [Action.SUSPENDED, Action.SUSPENSION_LIFTED],
        )

    def test_a_sanction_needs_a_reason_and_a_state_it_can_leave(self):
        with self.assertRaises(CommunityError):
            member_reports.suspend_posting(
                user=self.moderator, member=self.seller_profile, reason=" "
            )
        with self.assertRaises(InvalidTransition):
            member_reports.lift_suspension(
                user=self.moderator, member=self.seller_profile
            )
        with self.assertRaises(InvalidTransition):
            member_reports.dismiss_member_reports(
                user=self.moderator, member=self.seller_profile
            )
        self.assertFalse(MemberModerationEvent.objects.exists())

    def test_dismissing_closes_the_reports_and_changes_nothing_else(self):
        self.report()
        closed = member_reports.dismiss_member_reports(
            user=self.moderator, member=self.seller_profile, reason="Fine."
        )
        self.assertEqual(closed, 1)
        self.assertEqual(
            MemberReport.objects.get().outcome, MemberReport.Outcome.DISMISSED
        )
        self.assertEqual(
            MemberModerationEvent.objects.get().action, Action.REPORTS_DISMISSED
        )
        # A new report may follow once the first is decided.
        self.report()

    def test_only_moderators_decide_and_never_about_themselves(self):
        for user in (self.member, self.writer, self.reviewer):
            with self.assertRaises(NotAllowed):
                member_reports.hold_member_posts(
                    user=user, member=self.seller_profile, reason="x"
                )
        services.create_member(user=self.moderator, pseudonym="mo-m", consented=True)
        own = Member.objects.get(user=self.moderator)
        with self.assertRaises(NotAllowed):
            member_reports.suspend_posting(user=self.moderator, member=own, reason="x")
        self.assertFalse(MemberModerationEvent.objects.exists())

    def test_moderation_records_cannot_change(self):
        member_reports.hold_member_posts(
            user=self.moderator, member=self.seller_profile, reason="Selling."
        )
        event = MemberModerationEvent.objects.get()
        event.reason = "Rewritten"
        with self.assertRaises(InvalidTransition):
            event.save()

    # --- The admin --------------------------------------------------------------

    def test_the_review_page_shows_the_posts_beside_the_reports(self):
        report = self.report()
        self.client.force_login(self.moderator)
        url = reverse("admin:community_memberreport_review", args=[report.pk])
        page = self.client.get(url)
        self.assertContains(page, "Reports about CureSeller")
        self.assertContains(page, "Selling products or treatments")
        self.assertContains(page, f"#{self.posts[0].pk}")
        self.assertContains(page, "Hold all their new posts for moderation")
        # Never who reported.
        self.assertNotContains(page, "SunnyMina")
        self.assertNotContains(page, self.member.email)
        response = self.client.post(
            url, {"decision": "suspend", "reason": "Selling in every post."}
        )
        self.assertRedirects(
            response,
            reverse("admin:community_memberreport_changelist"),
            fetch_redirect_response=False,
        )
        self.seller_profile.refresh_from_db()
        self.assertTrue(self.seller_profile.posting_suspended)
        listing = self.client.get(reverse("admin:community_memberreport_changelist"))
        self.assertContains(listing, "CureSeller")
        self.assertNotContains(listing, "SunnyMina")

    def test_the_review_page_is_for_moderators_only(self):
        report = self.report()
        url = reverse("admin:community_memberreport_review", args=[report.pk])
        self.client.force_login(self.writer)
        self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(url, {"decision": "suspend", "reason": "x"})
        self.assertEqual(response.status_code, 403)
        self.seller_profile.refresh_from_db()
        self.assertFalse(self.seller_profile.posting_suspended)


class _Anonymous:
    is_authenticated = False
    pk = None

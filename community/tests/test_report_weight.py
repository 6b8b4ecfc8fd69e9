"""A report's weight: fixed when it is made, from its reporter's record
(community.services.posts, "Who counts"), and what moderators' decisions do
to the records of reporters."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from community import services
from community.models import ExperienceStatus, ModerationEvent, Report
from community.tests.helpers import give_record, share, share_published
from devdata.personas import PersonasTestCase, make_condition, make_member

REASON = "It tells people to stop their treatment."


def age(user, days: int) -> None:
    joined = timezone.now() - timedelta(days=days)
    get_user_model().objects.filter(pk=user.pk).update(date_joined=joined)
    user.refresh_from_db()


class RecordTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.post = share_published(
            self.member, self.condition, moderator=self.moderator
        )
        self.reporter = make_member("rae")

    def report(self, user=None, post=None) -> Report:
        return services.report_experience(
            user=user or self.reporter, experience=post or self.post, reason=REASON
        )

    def test_a_fresh_account_weighs_nothing_and_its_record_is_kept(self):
        report = self.report()
        self.assertEqual(report.weight, 0)
        report.refresh_from_db()
        self.assertEqual(
            (
                report.reporter_verified,
                report.reporter_age_days,
                report.reporter_posts,
                report.reporter_upheld,
            ),
            (True, 0, 0, 0),
        )

    def test_an_old_confirmed_account_with_an_approved_post_counts(self):
        give_record(self.reporter, moderator=self.moderator)
        report = self.report()
        self.assertEqual(report.weight, 1)
        self.assertEqual(report.reporter_posts, 1)
        self.assertIn("approved posts: 1", report.record_summary)

    def test_age_alone_is_not_a_record(self):
        age(self.reporter, services.RECORD_MIN_ACCOUNT_AGE.days + 30)
        self.assertEqual(self.report().weight, 0)

    def test_posts_alone_are_not_a_record(self):
        share_published(self.reporter, make_condition(), moderator=self.moderator)
        self.assertEqual(self.report().weight, 0)

    def test_an_unconfirmed_address_is_not_a_record(self):
        give_record(self.reporter, moderator=self.moderator)
        EmailAddress.objects.filter(user=self.reporter).update(verified=False)
        report = self.report()
        self.assertEqual((report.weight, report.reporter_verified), (0, False))

    def test_a_post_nobody_has_read_yet_is_not_a_record(self):
        age(self.reporter, services.RECORD_MIN_ACCOUNT_AGE.days + 1)
        share(self.reporter, make_condition())  # pending
        self.assertEqual(self.report().weight, 0)

    def test_upheld_reports_give_a_record_without_posts(self):
        age(self.reporter, services.RECORD_MIN_ACCOUNT_AGE.days + 1)
        needed = services.RECORD_MIN_UPHELD_REPORTS
        bad_posts = [
            share_published(
                make_member(f"spammer{n}"), self.condition, moderator=self.moderator
            )
            for n in range(needed + 1)
        ]
        for post in bad_posts[:needed]:
            self.assertEqual(self.report(post=post).weight, 0)
            services.remove_experience(
                user=self.moderator, experience=post, reason="Advertising."
            )
        self.assertEqual(
            Report.objects.filter(
                reporter=self.reporter, outcome=Report.Outcome.UPHELD
            ).count(),
            needed,
        )
        self.assertEqual(self.report(post=bad_posts[-1]).weight, 1)

    def test_dismissed_reports_give_no_record(self):
        age(self.reporter, services.RECORD_MIN_ACCOUNT_AGE.days + 1)
        posts = [
            share_published(
                make_member(f"author{n}"), self.condition, moderator=self.moderator
            )
            for n in range(services.RECORD_MIN_UPHELD_REPORTS + 1)
        ]
        for post in posts[:-1]:
            self.report(post=post)
            services.dismiss_reports(user=self.moderator, experience=post)
        self.assertEqual(
            set(Report.objects.values_list("outcome", flat=True)),
            {Report.Outcome.DISMISSED},
        )
        self.assertEqual(self.report(post=posts[-1]).weight, 0)

    def test_the_weight_is_fixed_when_the_report_is_made(self):
        """Sleeper accounts: reports made fresh must not start to count once
        their accounts have grown a record (a delayed hiding)."""
        sleepers = [make_member(f"sleeper{n}") for n in range(2)]
        for sleeper in sleepers:
            self.report(user=sleeper)
        for sleeper in sleepers:
            give_record(sleeper, moderator=self.moderator)
        regular = make_member("regular")
        give_record(regular, moderator=self.moderator)
        self.report(user=regular)

        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)
        self.assertEqual(
            sorted(Report.objects.values_list("weight", flat=True)), [0, 0, 1]
        )

    def test_a_deleted_reporters_report_keeps_its_weight(self):
        give_record(self.reporter, moderator=self.moderator)
        report = self.report()
        services.delete_account(user=self.reporter, keep_posts=False)
        report.refresh_from_db()
        self.assertEqual((report.reporter_id, report.weight), (None, 1))

    def test_a_record_of_dismissed_reports_weighs_nothing(self):
        """A reporter with a record whose reports moderators keep dismissing
        (more dismissed than upheld) could otherwise go on hiding posts until
        each moderator's decision: their reports queue, they hide nothing."""
        give_record(self.reporter, moderator=self.moderator)
        others = [
            share_published(
                make_member(f"author{n}"), self.condition, moderator=self.moderator
            )
            for n in range(2)
        ]
        for post in others:
            Report.objects.create(
                experience=post,
                reporter=self.reporter,
                reason=REASON,
                outcome=Report.Outcome.DISMISSED,
                resolved_at=timezone.now(),
            )

        report = self.report()

        self.assertEqual(report.weight, 0)
        self.assertEqual(report.reporter_dismissed, 2)
        self.assertIn("reports dismissed: 2", report.record_summary)

    def test_upheld_reports_outweigh_the_dismissed_ones(self):
        give_record(self.reporter, moderator=self.moderator)
        posts = [
            share_published(
                make_member(f"author{n}"), self.condition, moderator=self.moderator
            )
            for n in range(3)
        ]
        for post, outcome in zip(
            posts,
            [Report.Outcome.UPHELD, Report.Outcome.UPHELD, Report.Outcome.DISMISSED],
            strict=True,
        ):
            Report.objects.create(
                experience=post,
                reporter=self.reporter,
                reason=REASON,
                outcome=outcome,
                resolved_at=timezone.now(),
            )

        self.assertEqual(self.report().weight, 1)


class AutomaticHidingTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.regulars = [make_member(f"regular{n}") for n in range(3)]
        for user in self.regulars:
            give_record(user, moderator=self.moderator)

    def test_fresh_reports_do_not_make_up_the_number(self):
        post = share_published(self.member, self.condition, moderator=self.moderator)
        for n in range(2):
            services.report_experience(
                user=make_member(f"sock{n}"), experience=post, reason=REASON
            )
        for user in self.regulars[:2]:
            services.report_experience(user=user, experience=post, reason=REASON)
        post.refresh_from_db()
        self.assertEqual(post.status, ExperienceStatus.PUBLISHED)
        services.report_experience(
            user=self.regulars[2], experience=post, reason=REASON
        )
        post.refresh_from_db()
        self.assertEqual(post.status, ExperienceStatus.HIDDEN)
        event = post.moderation_events.get(action=ModerationEvent.Action.AUTO_HIDDEN)
        self.assertIn("3 reports from members with a record", event.reason)

    def test_one_author_loses_only_a_few_posts_a_day_to_reports(self):
        """Even reporters with a record cannot bury one member: past the daily
        number, reported posts wait for a moderator instead."""
        cap, _ = services.AUTO_HIDE_PER_AUTHOR
        posts = []
        for _ in range(cap + 1):
            # Mina is trusted after three approved posts; later ones go live.
            post = share(self.member, make_condition())
            if post.status == ExperienceStatus.PENDING:
                services.approve_experience(user=self.moderator, experience=post)
            posts.append(post)
        for post in posts:
            for user in self.regulars:
                services.report_experience(user=user, experience=post, reason=REASON)
        statuses = [type(p).objects.get(pk=p.pk).status for p in posts]
        self.assertEqual(
            statuses, [ExperienceStatus.HIDDEN] * cap + [ExperienceStatus.PUBLISHED]
        )
        self.assertEqual(
            ModerationEvent.objects.filter(
                action=ModerationEvent.Action.AUTO_HIDDEN
            ).count(),
            cap,
        )
        # The last post is in the moderators' queue with its weight.
        self.assertEqual(
            Report.objects.filter(experience=posts[-1], weight=1).count(), 3
        )

    def test_moderators_decisions_uphold_or_dismiss_reports(self):
        hidden = share_published(self.member, self.condition, moderator=self.moderator)
        kept = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        for post in (hidden, kept):
            services.report_experience(
                user=self.regulars[0], experience=post, reason=REASON
            )
        services.hide_experience(user=self.moderator, experience=hidden, reason="Harm")
        services.dismiss_reports(user=self.moderator, experience=kept)
        outcomes = dict(Report.objects.values_list("experience_id", "outcome"))
        self.assertEqual(
            outcomes,
            {hidden.pk: Report.Outcome.UPHELD, kept.pk: Report.Outcome.DISMISSED},
        )

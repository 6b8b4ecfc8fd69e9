"""Issue 15, finding 1: three brand-new accounts could hide any member's post.

Reports from accounts without a record still reach the moderators, but they
never hide a post on their own; and floods of reports are limited per
reporter, per post and per author without ever stopping a reporter with a
record from being counted.
"""

import contextlib
from unittest import mock

from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import RateLimited
from community.models import ExperienceStatus, ModerationEvent, Report
from community.queues import MODERATION_QUEUES
from community.tests.helpers import give_record, share, share_published
from devdata.personas import PersonasTestCase, make_condition, make_member

REASON = "This is spam, please remove it."


class FreshAccountsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.post = share_published(
            self.member, self.condition, moderator=self.moderator
        )

    def test_three_fresh_accounts_cannot_hide_a_post(self):
        # Made minutes ago, email confirmed: what ten sign-ups an hour give.
        for name in ("sock1", "sock2", "sock3"):
            services.report_experience(
                user=make_member(name), experience=self.post, reason=REASON
            )

        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)
        self.assertFalse(
            ModerationEvent.objects.filter(
                action=ModerationEvent.Action.AUTO_HIDDEN
            ).exists()
        )
        # The reports are not lost: the post waits in the moderators' queue.
        self.assertEqual(Report.objects.filter(weight=0).count(), 3)
        reported = MODERATION_QUEUES["reported"][1]
        self.assertIn(self.post, reported(type(self.post).objects.all()))
        # Nobody told the author their post was hidden, because it was not.
        self.assertEqual(mail.outbox, [])

    def test_many_fresh_accounts_cannot_hide_a_post_either(self):
        limit = services.REPORTS_PER_POST_WITHOUT_RECORD[0]
        for n in range(limit):
            services.report_experience(
                user=make_member(f"sock{n}"), experience=self.post, reason=REASON
            )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)


class FloodLimitsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.post = share_published(
            self.member, self.condition, moderator=self.moderator
        )

    def test_a_post_takes_a_limited_number_of_reports_without_a_record(self):
        limit = services.REPORTS_PER_POST_WITHOUT_RECORD[0]
        for n in range(limit):
            services.report_experience(
                user=make_member(f"sock{n}"), experience=self.post, reason=REASON
            )
        with self.assertRaisesMessage(RateLimited, "waiting for a moderator"):
            services.report_experience(
                user=make_member("sock-extra"), experience=self.post, reason=REASON
            )
        self.assertEqual(Report.objects.count(), limit)

    def test_the_flood_does_not_stop_reporters_with_a_record(self):
        limit = services.REPORTS_PER_POST_WITHOUT_RECORD[0]
        for n in range(limit + 2):
            with contextlib.suppress(RateLimited):
                services.report_experience(
                    user=make_member(f"sock{n}"), experience=self.post, reason=REASON
                )
        trusted = [make_member(f"regular{n}") for n in range(3)]
        for user in trusted:
            give_record(user, moderator=self.moderator)
        for user in trusted:
            services.report_experience(
                user=user, experience=self.post, reason="Dangerous dosing advice."
            )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.HIDDEN)
        counted = Report.objects.filter(weight=1).values_list("reporter", flat=True)
        self.assertEqual(sorted(counted), sorted(u.pk for u in trusted))

    def test_an_author_takes_a_limited_number_of_reports_without_a_record(self):
        limit = services.REPORTS_PER_AUTHOR_WITHOUT_RECORD[0]
        per_post = services.REPORTS_PER_POST_WITHOUT_RECORD[0]
        # Mina is trusted after three approved posts: later ones go live at once.
        posts = [self.post] + [
            share(self.member, self.condition) for _ in range(limit // per_post)
        ]
        for post in posts:
            if post.status == ExperienceStatus.PENDING:
                services.approve_experience(user=self.moderator, experience=post)
        made = 0
        socks = iter(make_member(f"sock{n}") for n in range(limit + 1))
        for post in posts:
            for _ in range(per_post):
                if made == limit:
                    break
                services.report_experience(
                    user=next(socks), experience=post, reason=REASON
                )
                made += 1
        with self.assertRaisesMessage(RateLimited, "waiting for a moderator"):
            services.report_experience(
                user=next(socks), experience=posts[-1], reason=REASON
            )
        # A reporter with a record is still heard on that author's posts.
        regular = make_member("regular")
        give_record(regular, moderator=self.moderator)
        services.report_experience(user=regular, experience=posts[-1], reason=REASON)
        self.assertEqual(Report.objects.filter(weight=1).count(), 1)

    def test_reporters_are_limited_per_day_as_well_as_per_hour(self):
        hourly, _ = services.REPORT_LIMIT
        daily, _ = services.REPORT_DAILY_LIMIT
        self.assertLess(hourly, daily)
        authors = [make_member(f"author{n}", password=None) for n in range(daily + 1)]
        posts = [
            share_published(a, self.condition, moderator=self.moderator)
            for a in authors
        ]
        # The hourly limit has its own test (test_reports).
        with mock.patch.object(services.posts, "REPORT_LIMIT", (10**6, 3600)):
            for post in posts[:daily]:
                services.report_experience(
                    user=self.other_member, experience=post, reason=REASON
                )
            with self.assertRaisesMessage(RateLimited, "today"):
                services.report_experience(
                    user=self.other_member, experience=posts[-1], reason=REASON
                )

    def test_the_report_page_says_what_happened_and_what_to_do(self):
        limit = services.REPORTS_PER_POST_WITHOUT_RECORD[0]
        for n in range(limit):
            services.report_experience(
                user=make_member(f"sock{n}"), experience=self.post, reason=REASON
            )
        self.client.force_login(make_member("late"))
        response = self.client.post(
            reverse("community:report", args=[self.post.pk]), {"reason": REASON}
        )
        self.assertContains(response, "waiting for a moderator", status_code=429)
        self.assertEqual(Report.objects.count(), limit)

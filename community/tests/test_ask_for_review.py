"""When reports hide a post, its author is told (on their page and by email)
and can ask, once per hiding, for a moderator to look at it first."""

from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import InvalidTransition, NotAllowed
from community.models import Experience, ExperienceStatus, ModerationEvent, Report
from community.queues import MODERATION_QUEUES
from community.tests.helpers import give_record, share_published
from devdata.personas import PersonasTestCase, make_condition, make_member
from outbox.models import OutboundEmail

Action = ModerationEvent.Action
REASON = "It tells people to stop their treatment."


class HiddenByReportsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.post = share_published(
            self.member, self.condition, moderator=self.moderator
        )
        self.regulars = [make_member(f"regular{n}") for n in range(3)]
        for user in self.regulars:
            give_record(user, moderator=self.moderator)
        mail.outbox.clear()

    def hide_by_reports(self, post: Experience | None = None) -> Experience:
        post = post or self.post
        with self.captureOnCommitCallbacks(execute=True):
            for user in self.regulars:
                services.report_experience(user=user, experience=post, reason=REASON)
        post.refresh_from_db()
        self.assertEqual(post.status, ExperienceStatus.HIDDEN)
        return post

    def ask(self):
        self.client.force_login(self.member)
        return self.client.post(
            reverse("community:ask_for_review", args=[self.post.pk])
        )

    def test_the_author_is_emailed_with_the_way_to_ask_for_a_review(self):
        self.hide_by_reports()
        (message,) = mail.outbox
        self.assertEqual(message.to, ["mina@example.org"])
        self.assertEqual(
            message.subject, "Your post is hidden until a moderator checks it"
        )
        self.assertIn("ask for a review", message.body)
        self.assertIn(f"/me/#post-{self.post.pk}", message.body)
        self.assertNotIn("regular", message.body)  # never who reported
        self.assertTrue(OutboundEmail.objects.filter(subject=message.subject).exists())

    def test_the_authors_page_says_so_and_offers_a_review(self):
        self.hide_by_reports()
        self.client.force_login(self.member)
        page = self.client.get(reverse("community:me"))
        self.assertContains(page, "Several members reported this post")
        self.assertContains(
            page, reverse("community:ask_for_review", args=[self.post.pk])
        )

    def test_asking_puts_the_post_first_in_the_moderators_work(self):
        self.hide_by_reports()
        response = self.ask()
        self.assertRedirects(
            response,
            reverse("community:me") + f"#post-{self.post.pk}",
            fetch_redirect_response=False,
        )
        self.post.refresh_from_db()
        self.assertIsNotNone(self.post.review_requested_at)
        self.assertEqual(self.post.status, ExperienceStatus.HIDDEN)
        event = self.post.moderation_events.get(action=Action.REVIEW_REQUESTED)
        self.assertEqual(
            (event.actor, event.actor_name), (self.member, "The post's author")
        )
        self.assertEqual(list(MODERATION_QUEUES)[:2], ["risk", "review"])
        review = MODERATION_QUEUES["review"][1]
        self.assertEqual(list(review(Experience.objects.all())), [self.post])

        self.client.force_login(self.moderator)
        home = self.client.get(reverse("admin:index"))
        self.assertContains(
            home, "Hidden by reports: the author asks for a review</a>: 1"
        )
        page = self.client.get(
            reverse("admin:community_experience_moderate", args=[self.post.pk])
        )
        self.assertContains(page, "The author asks for a review")

        self.client.force_login(self.member)
        page = self.client.get(reverse("community:me"))
        self.assertContains(page, "You asked for a review on")
        self.assertNotContains(page, "Ask for a review")

    def test_only_once_per_hiding(self):
        self.hide_by_reports()
        services.ask_for_review(user=self.member, experience=self.post)
        with self.assertRaisesMessage(InvalidTransition, "already asked"):
            services.ask_for_review(user=self.member, experience=self.post)
        response = self.ask()
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.post.moderation_events.filter(action=Action.REVIEW_REQUESTED).count(),
            1,
        )
        # The moderator finds nothing wrong; later reports hide it again, and
        # the author may ask again, once.
        with self.captureOnCommitCallbacks(execute=True):
            services.dismiss_reports(user=self.moderator, experience=self.post)
        self.assertEqual(mail.outbox[-1].subject, "Your post is back online")
        self.post.refresh_from_db()
        self.assertIsNone(self.post.review_requested_at)
        self.regulars = [make_member(f"later{n}") for n in range(3)]
        for user in self.regulars:
            give_record(user, moderator=self.moderator)
        self.hide_by_reports()
        services.ask_for_review(user=self.member, experience=self.post)
        self.assertEqual(
            self.post.moderation_events.filter(action=Action.REVIEW_REQUESTED).count(),
            2,
        )

    def test_only_the_author_can_ask(self):
        self.hide_by_reports()
        for user in (self.other_member, self.moderator, self.regulars[0]):
            with self.subTest(user=user.username), self.assertRaises(NotAllowed):
                services.ask_for_review(user=user, experience=self.post)
        for user in (self.other_member, self.moderator):
            self.client.force_login(user)
            response = self.client.post(
                reverse("community:ask_for_review", args=[self.post.pk])
            )
            self.assertEqual(response.status_code, 404)
        self.client.logout()
        response = self.client.post(
            reverse("community:ask_for_review", args=[self.post.pk])
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])
        self.assertFalse(
            ModerationEvent.objects.filter(action=Action.REVIEW_REQUESTED).exists()
        )

    def test_it_is_a_post_request(self):
        self.hide_by_reports()
        self.client.force_login(self.member)
        response = self.client.get(
            reverse("community:ask_for_review", args=[self.post.pk])
        )
        self.assertEqual(response.status_code, 405)

    def test_a_post_a_moderator_hid_cannot_be_sent_for_review(self):
        services.hide_experience(
            user=self.moderator, experience=self.post, reason="Names a doctor."
        )
        with self.assertRaisesMessage(InvalidTransition, "hidden after reports"):
            services.ask_for_review(user=self.member, experience=self.post)
        response = self.ask()
        self.assertEqual(response.status_code, 302)
        self.post.refresh_from_db()
        self.assertIsNone(self.post.review_requested_at)

    def test_a_published_post_cannot_be_sent_for_review(self):
        with self.assertRaises(InvalidTransition):
            services.ask_for_review(user=self.member, experience=self.post)

    def test_the_moderators_decision_answers_the_request(self):
        self.hide_by_reports()
        services.ask_for_review(user=self.member, experience=self.post)
        with self.captureOnCommitCallbacks(execute=True):
            services.approve_experience(user=self.moderator, experience=self.post)
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)
        self.assertIsNone(self.post.review_requested_at)
        self.assertEqual(mail.outbox[-1].subject, "Your post is published")
        # Putting the post back dismisses the reports: no record for them.
        self.assertEqual(
            set(Report.objects.filter(experience=self.post).values_list("outcome")),
            {(Report.Outcome.DISMISSED,)},
        )

    def test_a_deleted_author_is_a_former_member_in_the_record_not_a_moderator(self):
        self.hide_by_reports()
        self.ask()

        services.delete_account(user=self.member, keep_posts=True)

        event = ModerationEvent.objects.get(
            experience_ref=self.post.pk, action=Action.REVIEW_REQUESTED
        )
        self.assertIsNone(event.actor)
        self.assertEqual(event.actor_name, "Former member")
        # The moderators' own rows still read as theirs.
        self.assertTrue(
            ModerationEvent.objects.filter(
                experience_ref=self.post.pk, actor=self.moderator
            ).exists()
        )

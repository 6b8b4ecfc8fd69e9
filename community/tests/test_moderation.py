from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import CommunityError, InvalidTransition, NotAllowed
from community.models import ExperienceStatus, ModerationEvent
from community.tests.helpers import share
from devdata.personas import PersonasTestCase, make_condition

Action = ModerationEvent.Action


class ModerationServicesTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.experience = share(self.member, self.condition)

    def test_approve_publishes_records_and_tells_the_member(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.approve_experience(user=self.moderator, experience=self.experience)

        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.PUBLISHED)
        self.assertIsNotNone(self.experience.published_at)
        event = self.experience.moderation_events.get()
        self.assertEqual((event.action, event.actor), (Action.APPROVED, self.moderator))
        self.assertEqual(mail.outbox[-1].to, ["mina@example.org"])
        self.assertEqual(mail.outbox[-1].subject, "Your post is published")

    def test_hide_and_remove_need_a_reason_that_the_member_is_told(self):
        for decide in (services.hide_experience, services.remove_experience):
            with (
                self.subTest(decide=decide.__name__),
                self.assertRaises(CommunityError),
            ):
                decide(user=self.moderator, experience=self.experience, reason=" ")
        with self.captureOnCommitCallbacks(execute=True):
            services.remove_experience(
                user=self.moderator,
                experience=self.experience,
                reason="It names a doctor and a hospital.",
            )
        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.REMOVED)
        self.assertIn("It names a doctor and a hospital.", mail.outbox[-1].body)
        with self.assertRaises(InvalidTransition):
            services.approve_experience(user=self.moderator, experience=self.experience)

    def test_only_moderators_moderate(self):
        for user in (self.writer, self.reviewer, self.other_member):
            with self.subTest(user=user.username), self.assertRaises(NotAllowed):
                services.approve_experience(user=user, experience=self.experience)
        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.PENDING)
        self.assertFalse(ModerationEvent.objects.exists())

    def test_every_action_is_recorded_with_who_and_when(self):
        services.approve_experience(user=self.moderator, experience=self.experience)
        services.hide_experience(
            user=self.moderator, experience=self.experience, reason="Check"
        )
        services.approve_experience(user=self.moderator, experience=self.experience)
        actions = list(
            ModerationEvent.objects.order_by("pk").values_list("action", "actor_name")
        )
        self.assertEqual(
            actions,
            [(Action.APPROVED, "Mo"), (Action.HIDDEN, "Mo"), (Action.APPROVED, "Mo")],
        )
        event = ModerationEvent.objects.first()
        with self.assertRaises(InvalidTransition):
            event.save()


class ModerationAdminTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.experience = share(self.member, self.condition)
        self.client.force_login(self.moderator)

    def test_the_queues_and_the_moderation_page(self):
        home = self.client.get(reverse("admin:index"))
        self.assertContains(home, "New posts</a>: 1")
        queue = self.client.get(
            reverse("admin:community_experience_changelist") + "?queue=pending"
        )
        self.assertEqual(list(queue.context["cl"].result_list), [self.experience])
        self.assertNotContains(queue, "mina@example.org")
        url = reverse("admin:community_experience_moderate", args=[self.experience.pk])
        page = self.client.get(url)
        self.assertContains(page, "I was diagnosed")
        self.assertContains(page, "Approve and publish")

        response = self.client.post(url, {"decision": "hide", "reason": ""})
        self.assertContains(response, "Give a reason")
        response = self.client.post(
            url, {"decision": "hide", "reason": "Needs a check"}
        )
        self.assertEqual(response.status_code, 302)
        self.experience.refresh_from_db()
        self.assertEqual(self.experience.status, ExperienceStatus.HIDDEN)

    def test_bulk_approve_calls_the_service(self):
        second = share(self.other_member, self.condition)
        self.client.post(
            reverse("admin:community_experience_changelist"),
            {
                "action": "approve_selected",
                "_selected_action": [self.experience.pk, second.pk],
            },
        )
        self.assertEqual(
            ModerationEvent.objects.filter(action=Action.APPROVED).count(), 2
        )

    def test_writers_cannot_moderate_in_the_admin(self):
        self.client.force_login(self.writer)
        url = reverse("admin:community_experience_moderate", args=[self.experience.pk])
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(
            self.client.get(
                reverse("admin:community_experience_changelist")
            ).status_code,
            403,
        )

from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import InvalidTransition, NotAllowed
from community.models import Experience, ExperienceStatus, ModerationEvent
from community.tests.helpers import STORY, share, share_published
from devdata.personas import PersonasTestCase, make_condition

NEW_TEXT = (
    "Looking back, the hardest part was the months before anyone knew what it was."
)


class EditAndDeleteTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")

        self.list_url = reverse("community:experiences", args=["poems-syndrome"])

    def publish_condition(self) -> None:
        from devdata.personas import draft, publish

        publish(
            draft(self.writer, self.condition),
            writer=self.writer,
            reviewer=self.reviewer,
        )

    def test_editing_a_pending_post_changes_it_at_once(self):
        experience = share(self.member, self.condition)
        services.edit_experience(user=self.member, experience=experience, body=NEW_TEXT)
        experience.refresh_from_db()
        self.assertEqual(experience.body, NEW_TEXT)
        self.assertEqual(experience.pending_body, "")

    def test_editing_a_published_post_keeps_the_published_text_until_approved(self):
        self.publish_condition()
        experience = share_published(
            self.member, self.condition, moderator=self.moderator
        )

        self.client.force_login(self.member)
        response = self.client.post(
            reverse("community:edit", args=[experience.pk]), {"body": NEW_TEXT}
        )
        self.assertRedirects(response, reverse("community:me"))

        experience.refresh_from_db()
        self.assertEqual(experience.body, STORY)
        self.assertEqual(experience.pending_body, NEW_TEXT)
        self.client.logout()
        public = self.client.get(self.list_url)
        self.assertContains(public, "I was diagnosed two years ago")
        self.assertNotContains(public, "Looking back")

        services.decide_edit(user=self.moderator, experience=experience, approve=True)

        experience.refresh_from_db()
        self.assertEqual(experience.body, NEW_TEXT)
        self.assertEqual(experience.pending_body, "")
        self.assertContains(self.client.get(self.list_url), "Looking back")
        self.assertTrue(
            experience.moderation_events.filter(
                action=ModerationEvent.Action.EDIT_APPROVED
            ).exists()
        )

    def test_a_rejected_edit_leaves_the_post_as_it_was(self):
        experience = share_published(
            self.member, self.condition, moderator=self.moderator
        )
        services.edit_experience(user=self.member, experience=experience, body=NEW_TEXT)
        services.decide_edit(
            user=self.moderator,
            experience=experience,
            approve=False,
            reason="Names a doctor",
        )
        experience.refresh_from_db()
        self.assertEqual(experience.body, STORY)
        self.assertEqual(experience.pending_body, "")

    def test_hidden_posts_cannot_be_edited(self):
        experience = share(self.member, self.condition)
        services.hide_experience(user=self.moderator, experience=experience, reason="x")
        with self.assertRaises(InvalidTransition):
            services.edit_experience(
                user=self.member, experience=experience, body=NEW_TEXT
            )

    def test_only_the_author_can_edit_or_delete(self):
        experience = share(self.member, self.condition)
        with self.assertRaises(NotAllowed):
            services.edit_experience(
                user=self.other_member, experience=experience, body=NEW_TEXT
            )
        self.client.force_login(self.other_member)
        for name in ["community:edit", "community:delete"]:
            with self.subTest(name=name):
                url = reverse(name, args=[experience.pk])
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(
                    self.client.post(url, {"body": NEW_TEXT}).status_code, 404
                )
        experience.refresh_from_db()
        self.assertEqual(experience.body, STORY)

    def test_deleting_removes_the_post_from_public_pages_at_once(self):
        self.publish_condition()
        experience = share_published(
            self.member, self.condition, moderator=self.moderator
        )
        self.assertContains(self.client.get(self.list_url), "I was diagnosed")

        self.client.force_login(self.member)
        response = self.client.post(reverse("community:delete", args=[experience.pk]))

        self.assertRedirects(response, reverse("community:me"))
        self.assertFalse(Experience.objects.filter(pk=experience.pk).exists())
        self.client.logout()
        self.assertNotContains(self.client.get(self.list_url), "I was diagnosed")
        # The moderation record keeps only the post's number.
        event = ModerationEvent.objects.get(experience_ref=experience.pk)
        self.assertIsNone(event.experience)
        self.assertEqual(event.action, ModerationEvent.Action.APPROVED)

    def test_status_is_shown_to_the_author(self):
        share(self.member, self.condition)
        self.client.force_login(self.member)
        page = self.client.get(reverse("community:me"))
        self.assertContains(page, "Waiting for moderation")
        self.assertContains(page, "I was diagnosed")
        self.assertEqual(ExperienceStatus.PENDING, Experience.objects.get().status)

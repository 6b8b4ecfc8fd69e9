from django.contrib.auth import get_user_model
from django.db.models import ProtectedError

from answers import services
from answers.models import (
    AnswerRevision,
    ImmutableRecord,
    Question,
    Reviewer,
    ReviewEvent,
)
from devdata.personas import PersonasTestCase, draft, edit, publish

Action = ReviewEvent.Action


class AuditTrailTestCase(PersonasTestCase):
    def test_every_transition_writes_one_event_with_who_and_which_version(self):
        question = draft(self.writer)
        edit(question, self.writer, short_answer="No. You cannot catch it.")
        services.submit_for_review(item=question, user=self.writer)
        services.request_changes(item=question, user=self.reviewer, comment="Cite it")
        services.submit_for_review(item=question, user=self.writer)
        first = services.approve(
            item=question,
            user=self.reviewer,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )
        services.recertify(item=question, user=self.second_reviewer, coi_confirmed=True)
        services.unpublish(item=question, user=self.reviewer, reason="Check dose")
        services.roll_back(
            item=question,
            user=self.writer,
            revision=first,
            expected_version=question.draft_version,
        )

        rows = list(
            question.events.order_by("pk").values_list(
                "action", "actor__username", "draft_version"
            )
        )
        self.assertEqual(
            rows,
            [
                (Action.EDITED, "wendy", 1),
                (Action.EDITED, "wendy", 2),
                (Action.SUBMITTED, "wendy", 2),
                (Action.CHANGES_REQUESTED, "rita", 2),
                (Action.SUBMITTED, "wendy", 2),
                (Action.APPROVED, "rita", 2),
                (Action.RECERTIFIED, "sam", 2),
                (Action.UNPUBLISHED, "rita", 2),
                (Action.ROLLED_BACK, "wendy", 3),
            ],
        )
        approval = question.events.get(action=Action.APPROVED)
        self.assertEqual(approval.revision, first)
        self.assertIn("I have no conflict of interest", approval.coi_statement)

    def test_audit_rows_cannot_be_changed_or_deleted(self):
        question = draft(self.writer)
        revision = publish(question, writer=self.writer, reviewer=self.reviewer)
        event = question.events.first()

        event.comment = "rewritten history"
        with self.assertRaises(ImmutableRecord):
            event.save()
        with self.assertRaises(ImmutableRecord):
            event.delete()
        revision.short_answer = "Something the reviewer never saw"
        with self.assertRaises(ImmutableRecord):
            revision.save()
        with self.assertRaises(ImmutableRecord):
            revision.delete()
        revision.refresh_from_db()
        self.assertNotEqual(revision.short_answer, "Something the reviewer never saw")

    def test_deleting_users_keeps_the_trail_and_the_reviewer_profile(self):
        question = draft(self.writer)
        revision = publish(question, writer=self.writer, reviewer=self.reviewer)
        events_before = ReviewEvent.objects.count()

        get_user_model().objects.filter(
            pk__in=[self.writer.pk, self.reviewer.pk]
        ).delete()

        self.assertEqual(ReviewEvent.objects.count(), events_before)
        edited = question.events.filter(action=Action.EDITED).get()
        self.assertIsNone(edited.actor)
        self.assertEqual(edited.actor_name, "Wendy Walsh")
        profile = Reviewer.objects.get(pk=self.reviewer_profile.pk)
        self.assertIsNone(profile.user)
        revision.refresh_from_db()
        self.assertEqual(revision.reviewer, profile)
        self.assertEqual(revision.reviewer_name, "Dr Rita Osei")
        # The public page still names the reviewer.
        self.assertContains(
            self.client.get(question.get_absolute_url()), "Dr Rita Osei, MBChB, FRCP"
        )

    def test_reviewed_content_cannot_be_deleted_from_under_its_history(self):
        question = draft(self.writer)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        with self.assertRaises(ProtectedError):
            Question.objects.filter(pk=question.pk).delete()
        with self.assertRaises(ProtectedError):
            Reviewer.objects.filter(pk=self.reviewer_profile.pk).delete()
        self.assertEqual(AnswerRevision.objects.count(), 1)

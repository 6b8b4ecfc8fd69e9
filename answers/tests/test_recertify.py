from datetime import timedelta

from django.utils import timezone

from answers import services
from answers.exceptions import FourEyesViolation, InvalidTransition, WorkflowError
from answers.models import AnswerRevision, ReviewEvent
from devdata.personas import PersonasTestCase, draft, edit, publish


class RecertifyTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.long_ago = timezone.now() - timedelta(days=400)
        self.question = draft(self.writer, at=self.long_ago)
        self.revision = publish(
            self.question, writer=self.writer, reviewer=self.reviewer, at=self.long_ago
        )

    def test_it_moves_last_reviewed_but_not_last_updated(self):
        self.assertTrue(self.question.is_overdue())

        event = services.recertify(
            item=self.question, user=self.second_reviewer, coi_confirmed=True
        )

        self.question.refresh_from_db()
        today = timezone.localdate()
        self.assertEqual(self.question.last_review, event)
        self.assertEqual(event.action, ReviewEvent.Action.RECERTIFIED)
        self.assertEqual(event.revision, self.revision)
        self.assertEqual(event.reviewer_name, "Dr Sam Lindqvist")
        self.assertEqual(self.question.next_review_due, today + timedelta(days=365))
        self.assertFalse(self.question.is_overdue())
        # Same live revision, same "last updated".
        self.assertEqual(self.question.live_revision, self.revision)
        self.assertEqual(AnswerRevision.objects.count(), 1)
        self.assertEqual(
            self.question.live_revision.content_updated_at, self.revision.approved_at
        )
        page = self.client.get(self.question.get_absolute_url())
        self.assertContains(page, f'id="last-reviewed">{today:%Y-%m-%d}<')
        self.assertContains(
            page, f'id="last-updated">{timezone.localdate(self.long_ago):%Y-%m-%d}<'
        )
        self.assertContains(page, "Dr Sam Lindqvist")

    def test_the_approving_reviewer_may_recertify(self):
        services.recertify(item=self.question, user=self.reviewer, coi_confirmed=True)
        self.question.refresh_from_db()
        self.assertEqual(self.question.last_review.actor, self.reviewer)

    def test_an_author_of_the_live_version_may_not(self):
        question = draft(self.second_reviewer)
        publish(question, writer=self.second_reviewer, reviewer=self.reviewer)
        with self.assertRaises(FourEyesViolation):
            services.recertify(
                item=question, user=self.second_reviewer, coi_confirmed=True
            )

    def test_it_needs_the_declaration(self):
        with self.assertRaises(WorkflowError):
            services.recertify(
                item=self.question, user=self.reviewer, coi_confirmed=False
            )

    def test_pending_edits_do_not_block_recertifying_the_live_version(self):
        edit(self.question, self.second_reviewer, short_answer="Work in progress")
        services.recertify(
            item=self.question, user=self.second_reviewer, coi_confirmed=True
        )
        self.question.refresh_from_db()
        self.assertEqual(self.question.live_revision, self.revision)

    def test_only_live_answers_can_be_recertified(self):
        question = draft(self.writer)
        with self.assertRaises(InvalidTransition):
            services.recertify(item=question, user=self.reviewer, coi_confirmed=True)

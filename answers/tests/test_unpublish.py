from answers import services
from answers.exceptions import InvalidTransition, NotAllowed, WorkflowError
from answers.models import ReviewEvent, Status
from devdata.personas import PersonasTestCase, draft, edit, publish


class UnpublishTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer)
        self.revision = publish(
            self.question, writer=self.writer, reviewer=self.reviewer
        )

    def test_it_takes_the_answer_off_the_site_with_410(self):
        event = services.unpublish(
            item=self.question, user=self.reviewer, reason="New safety data."
        )

        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.UNPUBLISHED)
        self.assertIsNone(self.question.live_revision)
        self.assertIsNone(self.question.next_review_due)
        self.assertEqual(event.action, ReviewEvent.Action.UNPUBLISHED)
        self.assertEqual(event.comment, "New safety data.")
        self.assertEqual(event.revision, self.revision)
        response = self.client.get(self.question.get_absolute_url())
        self.assertEqual(response.status_code, 410)
        self.assertNotContains(response, self.revision.short_answer, status_code=410)

    def test_pending_work_keeps_its_state(self):
        edit(self.question, self.writer, short_answer="Fixed wording.")
        services.submit_for_review(item=self.question, user=self.writer)

        services.unpublish(item=self.question, user=self.reviewer, reason="Error")

        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.IN_REVIEW)
        self.assertIsNone(self.question.live_revision)
        # Approving the fixed draft brings it back.
        services.approve(
            item=self.question,
            user=self.second_reviewer,
            expected_version=self.question.draft_version,
            coi_confirmed=True,
        )
        self.assertEqual(
            self.client.get(self.question.get_absolute_url()).status_code, 200
        )

    def test_it_needs_a_reason_and_the_permission(self):
        with self.assertRaises(WorkflowError):
            services.unpublish(item=self.question, user=self.reviewer, reason=" ")
        with self.assertRaises(NotAllowed):
            services.unpublish(item=self.question, user=self.writer, reason="x")
        self.question.refresh_from_db()
        self.assertEqual(self.question.live_revision, self.revision)

    def test_it_refuses_what_is_not_live(self):
        services.unpublish(item=self.question, user=self.reviewer, reason="x")
        with self.assertRaises(InvalidTransition):
            services.unpublish(item=self.question, user=self.reviewer, reason="x")

from django.core import mail

from answers import services
from answers.exceptions import InvalidTransition, NotAllowed, WorkflowError
from answers.models import ReviewEvent, Status
from devdata.personas import PersonasTestCase, draft


class RequestChangesTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer)
        services.submit_for_review(item=self.question, user=self.writer)

    def test_it_sends_the_draft_back_with_the_comment(self):
        with self.captureOnCommitCallbacks(execute=True):
            event = services.request_changes(
                item=self.question,
                user=self.reviewer,
                comment="  Add the 2021 criteria as a reference.  ",
            )

        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.CHANGES_REQUESTED)
        self.assertEqual(event.action, ReviewEvent.Action.CHANGES_REQUESTED)
        self.assertEqual(event.comment, "Add the 2021 criteria as a reference.")
        self.assertEqual(event.reviewer_name, "Dr Rita Osei")
        self.assertEqual([m.to for m in mail.outbox], [["wendy@example.org"]])
        self.assertIn("Add the 2021 criteria as a reference.", mail.outbox[0].body)
        # The writer fixes it and submits again.
        services.submit_for_review(item=self.question, user=self.writer)
        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.IN_REVIEW)

    def test_a_comment_is_required(self):
        for comment in ["", "   "]:
            with self.subTest(comment=comment), self.assertRaises(WorkflowError):
                services.request_changes(
                    item=self.question, user=self.reviewer, comment=comment
                )
        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.IN_REVIEW)
        self.assertFalse(
            self.question.events.filter(
                action=ReviewEvent.Action.CHANGES_REQUESTED
            ).exists()
        )

    def test_only_reviewers_can_request_changes(self):
        with self.assertRaises(NotAllowed):
            services.request_changes(
                item=self.question, user=self.writer, comment="Looks wrong"
            )

    def test_it_only_applies_to_answers_in_review(self):
        services.request_changes(item=self.question, user=self.reviewer, comment="x")
        with self.assertRaises(InvalidTransition):
            services.request_changes(
                item=self.question, user=self.second_reviewer, comment="y"
            )

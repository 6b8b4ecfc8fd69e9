from django.core import mail

from answers import services
from answers.exceptions import InvalidTransition, NotAllowed, StaleDraft
from answers.models import ReviewEvent, Status
from devdata.personas import PersonasTestCase, draft, edit, make_condition


class SubmitForReviewTestCase(PersonasTestCase):
    def test_it_moves_the_draft_into_review_and_tells_the_reviewers(self):
        question = draft(self.writer)

        with self.captureOnCommitCallbacks(execute=True):
            event = services.submit_for_review(
                item=question, user=self.writer, expected_version=1
            )

        question.refresh_from_db()
        self.assertEqual(question.status, Status.IN_REVIEW)
        self.assertEqual(event.action, ReviewEvent.Action.SUBMITTED)
        self.assertEqual(event.draft_version, 1)
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            ["rita@example.org", "sam@example.org"],
        )
        self.assertIn(
            f"/admin/answers/question/{question.pk}/review/", mail.outbox[0].body
        )

    def test_a_question_with_a_line_break_still_makes_a_one_line_subject(self):
        # Saved before the admin refused such questions, or by a future path.
        question = draft(self.writer, text="Is it\r\ncontagious?")

        with self.captureOnCommitCallbacks(execute=True):
            services.submit_for_review(item=question, user=self.writer)

        self.assertEqual(
            mail.outbox[0].subject,
            f"Review requested: Is it contagious? ({question.condition.name})",
        )

    def test_reviewers_who_worked_on_the_draft_are_not_asked(self):
        question = draft(self.writer)
        edit(question, self.reviewer, short_answer="No. It is not catching.")

        with self.captureOnCommitCallbacks(execute=True):
            services.submit_for_review(item=question, user=self.writer)

        self.assertEqual([m.to for m in mail.outbox], [["sam@example.org"]])

    def test_inactive_reviewers_are_not_asked(self):
        self.second_reviewer_profile.active = False
        self.second_reviewer_profile.save()
        question = draft(self.writer)

        with self.captureOnCommitCallbacks(execute=True):
            services.submit_for_review(item=question, user=self.writer)

        self.assertEqual([m.to for m in mail.outbox], [["rita@example.org"]])

    def test_it_refuses_to_submit_twice(self):
        question = draft(self.writer)
        services.submit_for_review(item=question, user=self.writer)
        with self.assertRaises(InvalidTransition):
            services.submit_for_review(item=question, user=self.writer)
        self.assertEqual(
            question.events.filter(action=ReviewEvent.Action.SUBMITTED).count(), 1
        )

    def test_it_refuses_a_stale_submission(self):
        question = draft(self.writer)
        edit(question, self.second_reviewer, short_answer="Newer")
        with self.assertRaises(StaleDraft):
            services.submit_for_review(
                item=question, user=self.writer, expected_version=1
            )
        question.refresh_from_db()
        self.assertEqual(question.status, Status.DRAFT)

    def test_it_needs_the_submit_permission(self):
        question = draft(self.writer)
        with self.assertRaises(NotAllowed):
            services.submit_for_review(item=question, user=self.moderator)
        question.refresh_from_db()
        self.assertEqual(question.status, Status.DRAFT)

    def test_a_failed_step_sends_no_mail(self):
        question = draft(self.writer)
        services.submit_for_review(item=question, user=self.writer)
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaises(InvalidTransition),
        ):
            services.submit_for_review(item=question, user=self.writer)
        self.assertEqual(callbacks, [])
        self.assertEqual(mail.outbox, [])


class LongSubjectTestCase(PersonasTestCase):
    def test_a_long_question_and_condition_name_make_a_short_subject(self):
        # Found on PostgreSQL: 200 + 200 characters overflowed the outbox's
        # 300-character subject column and the submission failed.
        condition = make_condition(name="N" * 200)
        question = draft(self.writer, condition, text="Q" * 199 + "?")

        with self.captureOnCommitCallbacks(execute=True):
            services.submit_for_review(item=question, user=self.writer)

        subject = mail.outbox[0].subject
        self.assertLessEqual(len(subject), 200)
        self.assertTrue(subject.endswith("…"))
        self.assertIn("Q" * 199, mail.outbox[0].body)

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from answers import services
from answers.exceptions import (
    ChecksFailed,
    FourEyesViolation,
    InvalidTransition,
    NotAllowed,
    StaleDraft,
    WorkflowError,
)
from answers.models import AnswerRevision, ReviewEvent, Status
from devdata.personas import PersonasTestCase, draft, edit, make_user, publish


class ApproveTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer)
        services.submit_for_review(item=self.question, user=self.writer)
        mail.outbox.clear()

    def approve(self, user, **kwargs):
        return services.approve(
            item=self.question,
            user=user,
            expected_version=kwargs.pop(
                "expected_version", self.question.draft_version
            ),
            coi_confirmed=kwargs.pop("coi_confirmed", True),
            **kwargs,
        )

    def test_it_publishes_an_immutable_snapshot_with_the_reviewers_credentials(self):
        with self.captureOnCommitCallbacks(execute=True):
            revision = self.approve(self.reviewer)

        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.PUBLISHED)
        self.assertEqual(self.question.live_revision, revision)
        self.assertEqual(revision.number, 1)
        self.assertEqual(revision.short_answer, self.question.short_answer)
        self.assertEqual(revision.references[0]["citation"][:9], "Example A")
        self.assertEqual(revision.reviewer_name, "Dr Rita Osei")
        self.assertEqual(revision.reviewer_credentials, "MBChB, FRCP")
        self.assertEqual(revision.reviewer_specialty, "Haematology")
        self.assertIn("Speaker fees from Example Pharma", revision.coi_statement)
        self.assertTrue(revision.content_changed)
        self.assertIn("<h2", revision.body_html)

        event = self.question.last_review
        self.assertEqual(event.action, ReviewEvent.Action.APPROVED)
        self.assertEqual(event.actor, self.reviewer)
        self.assertEqual(event.revision, revision)
        self.assertEqual(event.reviewer_credentials, "MBChB, FRCP")
        self.assertEqual(
            self.question.next_review_due,
            timezone.localdate(event.created_at) + timedelta(days=365),
        )
        # The writer hears about the decision.
        self.assertEqual([m.to for m in mail.outbox], [["wendy@example.org"]])
        self.assertIn("approved", mail.outbox[0].body)

    def test_later_credential_changes_do_not_rewrite_the_approval(self):
        revision = self.approve(self.reviewer)
        self.reviewer_profile.credentials = "MBChB, FRCP, PhD"
        self.reviewer_profile.save()

        revision.refresh_from_db()
        self.assertEqual(revision.reviewer_credentials, "MBChB, FRCP")

    def test_it_refuses_approval_by_the_author(self):
        # A reviewer writes an answer; they cannot approve it themselves.
        question = draft(self.reviewer)
        services.submit_for_review(item=question, user=self.reviewer)

        with self.assertRaises(FourEyesViolation):
            services.approve(
                item=question,
                user=self.reviewer,
                expected_version=question.draft_version,
                coi_confirmed=True,
            )

        question.refresh_from_db()
        self.assertEqual(question.status, Status.IN_REVIEW)
        self.assertFalse(AnswerRevision.objects.filter(question=question).exists())
        self.assertFalse(
            question.events.filter(action=ReviewEvent.Action.APPROVED).exists()
        )
        # Another reviewer can.
        services.approve(
            item=question,
            user=self.second_reviewer,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )
        question.refresh_from_db()
        self.assertEqual(question.status, Status.PUBLISHED)

    def test_it_refuses_approval_by_a_reviewer_who_edited_the_version(self):
        edit(
            self.question, self.second_reviewer, short_answer="No. It is not catching."
        )

        with self.assertRaises(FourEyesViolation):
            self.approve(self.second_reviewer)
        self.approve(self.reviewer)
        self.assertEqual(self.question.status, Status.PUBLISHED)

    def test_edits_before_the_last_approval_do_not_count_against_a_reviewer(self):
        edit(
            self.question, self.second_reviewer, short_answer="No. It is not catching."
        )
        self.approve(self.reviewer)
        # A new cycle written by the writer only: the earlier editor may approve.
        edit(self.question, self.writer, body=self.question.body + "\n\nMore.")
        services.submit_for_review(item=self.question, user=self.writer)

        revision = self.approve(self.second_reviewer)
        self.assertEqual(revision.number, 2)

    def test_it_refuses_a_writer_without_a_reviewer_profile(self):
        with self.assertRaises(NotAllowed):
            self.approve(self.writer)
        self.assertEqual(AnswerRevision.objects.count(), 0)

    def test_it_refuses_a_superuser_without_a_reviewer_profile(self):
        with self.assertRaises(NotAllowed):
            self.approve(self.admin)

    def test_it_refuses_an_inactive_reviewer(self):
        self.reviewer_profile.active = False
        self.reviewer_profile.save()
        with self.assertRaises(NotAllowed):
            self.approve(self.reviewer)

    def test_it_refuses_a_profile_holder_outside_the_reviewer_group(self):
        from devdata.personas import make_reviewer

        outsider = make_user("olga")
        make_reviewer(outsider)
        with self.assertRaises(NotAllowed):
            self.approve(outsider)

    def test_it_requires_the_conflict_of_interest_declaration(self):
        with self.assertRaises(WorkflowError):
            self.approve(self.reviewer, coi_confirmed=False)
        self.assertEqual(AnswerRevision.objects.count(), 0)

    def test_it_refuses_a_stale_review(self):
        seen = self.question.draft_version
        edit(self.question, self.writer, short_answer="No, you cannot catch it.")

        with self.assertRaises(StaleDraft) as raised:
            self.approve(self.reviewer, expected_version=seen)
        self.assertIn("Wendy Walsh", str(raised.exception))
        self.assertEqual(AnswerRevision.objects.count(), 0)

    def test_it_refuses_what_is_not_in_review(self):
        self.approve(self.reviewer)
        with self.assertRaises(InvalidTransition):
            self.approve(self.second_reviewer)
        self.assertEqual(AnswerRevision.objects.count(), 1)

    def test_failing_checks_block_approval(self):
        question = draft(self.writer, references=[])
        services.submit_for_review(item=question, user=self.writer)

        with self.assertRaises(ChecksFailed) as raised:
            services.approve(
                item=question,
                user=self.reviewer,
                expected_version=question.draft_version,
                coi_confirmed=True,
            )
        self.assertIn("at least one reference", str(raised.exception))
        question.refresh_from_db()
        self.assertEqual(question.status, Status.IN_REVIEW)
        self.assertIsNone(question.live_revision)

    def test_approving_unchanged_content_keeps_last_updated(self):
        long_ago = timezone.now() - timedelta(days=200)
        question = draft(self.writer, at=long_ago)
        first = publish(
            question, writer=self.writer, reviewer=self.reviewer, at=long_ago
        )
        # An edit that is undone: the draft is the same as the live content again.
        edit(question, self.writer, short_answer="Something else")
        edit(question, self.writer, short_answer=first.short_answer)
        second = publish(question, writer=self.writer, reviewer=self.second_reviewer)

        self.assertFalse(second.content_changed)
        self.assertEqual(second.content_updated_at, first.content_updated_at)
        question.refresh_from_db()
        self.assertEqual(
            timezone.localdate(question.last_review.created_at), timezone.localdate()
        )

    def test_approving_changed_content_moves_last_updated(self):
        long_ago = timezone.now() - timedelta(days=200)
        question = draft(self.writer, at=long_ago)
        first = publish(
            question, writer=self.writer, reviewer=self.reviewer, at=long_ago
        )
        edit(question, self.writer, short_answer="No. You cannot catch it.")
        second = publish(question, writer=self.writer, reviewer=self.second_reviewer)

        self.assertTrue(second.content_changed)
        self.assertGreater(second.content_updated_at, first.content_updated_at)

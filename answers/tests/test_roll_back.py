from answers import services
from answers.exceptions import NotAllowed, StaleDraft, WorkflowError
from answers.models import ReviewEvent, Status
from devdata.personas import PersonasTestCase, draft, edit, publish


class RollBackTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer)
        self.first = publish(self.question, writer=self.writer, reviewer=self.reviewer)
        edit(
            self.question,
            self.writer,
            short_answer="A second wording that turned out wrong.",
            text="A reworded question?",
        )
        self.question.references.update(citation="A different source.")
        self.second = publish(
            self.question, writer=self.writer, reviewer=self.second_reviewer
        )

    def test_it_restores_an_approved_revision_as_a_draft_needing_review(self):
        event = services.roll_back(
            item=self.question,
            user=self.writer,
            revision=self.first,
            expected_version=self.question.draft_version,
        )

        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.DRAFT)
        self.assertEqual(self.question.short_answer, self.first.short_answer)
        self.assertEqual(self.question.text, self.first.question_text)
        self.assertEqual(
            [r.snapshot() for r in self.question.references.all()],
            self.first.references,
        )
        self.assertEqual(event.action, ReviewEvent.Action.ROLLED_BACK)
        self.assertEqual(event.revision, self.first)
        # Still the second revision in public until someone approves.
        self.assertEqual(self.question.live_revision, self.second)
        page = self.client.get(self.question.get_absolute_url())
        self.assertContains(page, "A second wording that turned out wrong.")

        services.submit_for_review(item=self.question, user=self.writer)
        third = services.approve(
            item=self.question,
            user=self.second_reviewer,
            expected_version=self.question.draft_version,
            coi_confirmed=True,
        )
        self.assertEqual(third.number, 3)
        self.assertEqual(third.short_answer, self.first.short_answer)

    def test_the_person_who_rolled_back_cannot_approve_it(self):
        from answers.exceptions import FourEyesViolation

        services.roll_back(
            item=self.question,
            user=self.reviewer,
            revision=self.first,
            expected_version=self.question.draft_version,
        )
        services.submit_for_review(item=self.question, user=self.writer)
        with self.assertRaises(FourEyesViolation):
            services.approve(
                item=self.question,
                user=self.reviewer,
                expected_version=self.question.draft_version,
                coi_confirmed=True,
            )

    def test_it_refuses_a_stale_roll_back_and_foreign_revisions(self):
        with self.assertRaises(StaleDraft):
            services.roll_back(
                item=self.question,
                user=self.writer,
                revision=self.first,
                expected_version=1,
            )
        other = draft(self.writer)
        with self.assertRaises(WorkflowError):
            services.roll_back(
                item=other,
                user=self.writer,
                revision=self.first,
                expected_version=1,
            )
        with self.assertRaises(NotAllowed):
            services.roll_back(
                item=self.question,
                user=self.moderator,
                revision=self.first,
                expected_version=self.question.draft_version,
            )

from answers import services
from answers.exceptions import NotAllowed, StaleDraft
from answers.models import Question, ReviewEvent, Status
from devdata.personas import PersonasTestCase, draft, edit, publish


class SaveDraftTestCase(PersonasTestCase):
    def test_it_creates_a_draft_with_an_audit_row_and_a_history_version(self):
        from reversion.models import Version

        question = draft(self.writer)

        self.assertEqual(question.status, Status.DRAFT)
        self.assertEqual(question.draft_version, 1)
        event = question.events.get()
        self.assertEqual(event.action, ReviewEvent.Action.EDITED)
        self.assertEqual(event.actor, self.writer)
        self.assertEqual(event.actor_name, "Wendy Walsh")
        self.assertEqual(Version.objects.get_for_object(question).count(), 1)

    def test_each_edit_moves_the_version_on(self):
        question = draft(self.writer)
        edit(question, self.writer, short_answer="No. It is not catching.")
        edit(question, self.second_reviewer, body="## Why?\n\nBecause.")

        question.refresh_from_db()
        self.assertEqual(question.draft_version, 3)
        self.assertEqual(
            list(question.events.values_list("actor__username", flat=True)),
            ["sam", "wendy", "wendy"],
        )

    def test_it_refuses_a_save_based_on_an_older_version(self):
        question = draft(self.writer)
        mine = Question.objects.get(pk=question.pk)
        theirs = Question.objects.get(pk=question.pk)
        theirs.short_answer = "Their newer answer."
        services.save_draft(item=theirs, user=self.second_reviewer, expected_version=1)

        mine.short_answer = "My older answer."
        with self.assertRaises(StaleDraft) as raised:
            services.save_draft(item=mine, user=self.writer, expected_version=1)

        self.assertIn("Sam Lindqvist", str(raised.exception))
        self.assertIn("version 2", str(raised.exception))
        question.refresh_from_db()
        self.assertEqual(question.short_answer, "Their newer answer.")
        self.assertEqual(question.draft_version, 2)
        self.assertEqual(question.events.count(), 2)

    def test_editing_a_live_answer_leaves_the_public_version_alone(self):
        question = draft(self.writer)
        revision = publish(question, writer=self.writer, reviewer=self.reviewer)

        edit(question, self.writer, short_answer="A draft the public must not see.")

        question.refresh_from_db()
        self.assertEqual(question.live_revision, revision)
        self.assertNotEqual(question.live_revision.short_answer, question.short_answer)
        self.assertEqual(question.status, Status.DRAFT)
        self.assertTrue(question.has_unpublished_changes)
        self.assertEqual(question.status_label, "Draft · unpublished changes")
        response = self.client.get(question.get_absolute_url())
        self.assertContains(response, revision.short_answer)
        self.assertNotContains(response, "A draft the public must not see.")

    def test_workflow_fields_come_from_the_database_not_the_caller(self):
        question = draft(self.writer)
        services.submit_for_review(item=question, user=self.writer)
        stale = Question.objects.get(pk=question.pk)
        stale.status = Status.PUBLISHED  # a forged or stale in-memory state
        stale.short_answer = "Edited while in review."

        services.save_draft(
            item=stale, user=self.writer, expected_version=stale.draft_version
        )

        question.refresh_from_db()
        self.assertEqual(question.status, Status.IN_REVIEW)
        self.assertIsNone(question.live_revision)

    def test_people_without_editing_rights_cannot_save(self):
        question = draft(self.writer)
        question.short_answer = "Vandalism"
        for user in (self.moderator, self.member):
            with self.subTest(user=user.username), self.assertRaises(NotAllowed):
                services.save_draft(item=question, user=user, expected_version=1)
        question.refresh_from_db()
        self.assertNotEqual(question.short_answer, "Vandalism")

from reversion.models import Version

from answers import services
from answers.models import Question, Status
from devdata.personas import PersonasTestCase, draft, publish


class RestoreFromHistoryTestCase(PersonasTestCase):
    def test_it_brings_back_the_text_and_the_references_as_a_new_draft(self):
        question = draft(
            self.writer,
            references=[{"citation": "Original source.", "doi": "10.1000/abc"}],
        )
        revision = publish(question, writer=self.writer, reviewer=self.reviewer)
        question.short_answer = "A rewrite we will regret."
        services.save_draft(
            item=question,
            user=self.writer,
            expected_version=question.draft_version,
            save_related=lambda: services.replace_references(
                question,
                [{"citation": "Worse source.", "url": "", "pmid": "", "doi": ""}],
            ),
        )
        first = Version.objects.get_for_object(question).order_by("pk").first()

        services.restore_from_history(
            item=question,
            user=self.writer,
            version=first,
            expected_version=question.draft_version,
        )

        question = Question.objects.get(pk=question.pk)
        self.assertEqual(question.short_answer, revision.short_answer)
        self.assertEqual(
            [(r.citation, r.doi) for r in question.references.all()],
            [("Original source.", "10.1000/abc")],
        )
        self.assertEqual(question.status, Status.DRAFT)
        self.assertEqual(question.live_revision, revision)
        # A later restore of the restored state keeps its references too.
        latest = Version.objects.get_for_object(question).order_by("pk").last()
        self.assertEqual(
            len(latest.revision.version_set.filter(content_type__model="reference")), 1
        )

    def test_a_version_of_another_question_is_refused(self):
        from answers.exceptions import WorkflowError

        one, other = draft(self.writer), draft(self.writer)
        version = Version.objects.get_for_object(other).first()
        with self.assertRaises(WorkflowError):
            services.restore_from_history(
                item=one, user=self.writer, version=version, expected_version=1
            )

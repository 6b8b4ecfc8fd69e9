"""A logged-in member's reports on answers are theirs: in their data export,
and erased with the account (the report stays in the editors' queue without
their words, their reply address or a link to them)."""

from django.contrib.auth.models import AnonymousUser

from answers import feedback
from answers.models import Feedback, FeedbackEvent
from community import services
from devdata.personas import PersonasTestCase, draft, make_condition, publish

WORDS = "Memberwords: the age in the second paragraph is wrong for my son."


class AnswerFeedbackRightsTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def send(self, user, reply_to: str = "mine@example.org") -> Feedback:
        return feedback.receive_feedback(
            user=user,
            question=self.question,
            kind="wrong",
            section="",
            text=WORDS,
            reply_to=reply_to,
        )

    def test_the_export_holds_the_members_reports_and_no_one_elses(self):
        self.send(self.member)
        self.send(self.other_member, reply_to="")
        self.send(AnonymousUser(), reply_to="")
        data = services.export_member_data(user=self.member)
        sent = data["answer_feedback_sent"]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["text"], WORDS)
        self.assertEqual(sent[0]["reply_to"], "mine@example.org")

    def test_deleting_the_account_erases_the_words_address_and_link(self):
        report = self.send(self.member)
        theirs = self.send(self.other_member)
        services.delete_account(user=self.member, keep_posts=False)
        report.refresh_from_db()
        self.assertEqual(report.text, feedback.ERASED_TEXT)
        self.assertEqual(report.reply_to, "")
        self.assertIsNone(report.reader)
        self.assertTrue(report.events.filter(action="erased").exists())
        self.assertFalse(Feedback.objects.filter(text=WORDS, pk=report.pk).exists())
        self.assertFalse(
            FeedbackEvent.objects.filter(comment__contains="Memberwords").exists()
        )
        theirs.refresh_from_db()
        self.assertEqual(theirs.text, WORDS)

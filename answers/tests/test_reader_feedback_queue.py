"""The reader feedback queue: states, who may take each step, the audit rows,
closing a report with the approval that fixes it (the reader is told once and
their address erased), the review screen, the admin home counts and the
question list's figures."""

from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from answers import feedback, services
from answers.exceptions import InvalidTransition, NotAllowed
from answers.feedback import FeedbackError
from answers.models import Feedback, FeedbackKind, FeedbackState, HelpfulVote
from devdata.personas import PersonasTestCase, draft, edit, make_condition, publish
from outbox.models import OutboundEmail

READER_TEXT = "The age in the second paragraph is wrong: it is usually after 50."


class QueueTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def report(self, **overrides) -> Feedback:
        from django.contrib.auth.models import AnonymousUser

        values = {
            "user": AnonymousUser(),
            "question": self.question,
            "kind": FeedbackKind.WRONG,
            "section": "What causes it?",
            "text": READER_TEXT,
            "reply_to": "reader@example.org",
            **overrides,
        }
        return feedback.receive_feedback(**values)

    def fix(self, *, close: list[int]) -> None:
        """The writer drafts the fix with a summary; the second reviewer
        approves it and closes `close` with it."""
        edit(
            self.question,
            self.writer,
            body=self.question.body + "\n\nIt usually starts after the age of 50.",
            change_summary="Corrected the age at which symptoms usually start.",
        )
        services.submit_for_review(item=self.question, user=self.writer)
        services.approve(
            item=self.question,
            user=self.second_reviewer,
            expected_version=self.question.draft_version,
            coi_confirmed=True,
            close_feedback=close,
        )

    def test_it_moves_through_its_states_with_an_audit_row_each(self):
        report = self.report()
        feedback.triage_feedback(feedback=report, user=self.writer, step="triage")
        report.refresh_from_db()
        self.assertEqual(report.state, FeedbackState.TRIAGED)
        self.assertEqual(report.assignee, self.writer)
        feedback.triage_feedback(
            feedback=report, user=self.writer, step="assign", assignee=self.reviewer
        )
        feedback.triage_feedback(feedback=report, user=self.writer, step="accept")
        report.refresh_from_db()
        self.assertEqual(
            (report.state, report.assignee), (FeedbackState.ACCEPTED, self.reviewer)
        )
        self.assertEqual(
            list(report.events.order_by("pk").values_list("action", flat=True)),
            ["received", "triaged", "assigned", "accepted"],
        )

    def test_moderators_and_readers_cannot_work_the_queue(self):
        from django.contrib.auth.models import AnonymousUser

        report = self.report()
        for user in (self.moderator, self.member, AnonymousUser()):
            with self.assertRaises(NotAllowed):
                feedback.triage_feedback(feedback=report, user=user, step="triage")
            with self.assertRaises(NotAllowed):
                feedback.close_fixed(feedback=report, user=user)
        report.refresh_from_db()
        self.assertEqual(report.state, FeedbackState.NEW)
        self.assertEqual(report.events.count(), 1)

    def test_only_reviewers_close_reports(self):
        report = self.report()
        with self.assertRaises(NotAllowed):
            feedback.close_fixed(feedback=report, user=self.writer)

    def test_declining_needs_a_reason_and_erases_the_reply_address(self):
        report = self.report()
        with self.assertRaises(FeedbackError):
            feedback.triage_feedback(feedback=report, user=self.writer, step="decline")
        feedback.triage_feedback(
            feedback=report,
            user=self.writer,
            step="decline",
            comment="The answer says this already.",
        )
        report.refresh_from_db()
        self.assertEqual(report.state, FeedbackState.DECLINED)
        self.assertEqual(report.reply_to, "")
        self.assertEqual(report.decline_reason, "The answer says this already.")
        with self.assertRaises(InvalidTransition):
            feedback.triage_feedback(feedback=report, user=self.writer, step="accept")

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def test_closing_with_the_approval_tells_the_reader_once_and_forgets_them(self):
        report = self.report()
        untouched = self.report(kind=FeedbackKind.UNCLEAR, reply_to="other@example.org")
        feedback.triage_feedback(feedback=report, user=self.writer, step="accept")
        with self.captureOnCommitCallbacks(execute=True):
            self.fix(close=[report.pk])
        report.refresh_from_db()
        self.assertEqual(report.state, FeedbackState.CLOSED)
        self.assertEqual(report.fixed_by, self.question.live_revision)
        self.assertEqual(report.reply_to, "")
        self.assertIsNotNone(report.reader_told_at)
        to_reader = [m for m in mail.outbox if m.to == ["reader@example.org"]]
        self.assertEqual(len(to_reader), 1)
        body = to_reader[0].body
        self.assertIn("http://127.0.0.1:8000/conditions/poems-syndrome/", body)
        self.assertIn("Corrected the age at which symptoms usually start.", body)
        self.assertNotIn(READER_TEXT, body)
        self.assertEqual(
            OutboundEmail.objects.filter(recipient="other@example.org").count(), 0
        )
        untouched.refresh_from_db()
        self.assertEqual(untouched.reply_to, "other@example.org")
        self.assertEqual(
            list(report.events.order_by("pk").values_list("action", flat=True)),
            ["received", "accepted", "closed", "reader_told"],
        )
        # Closed is final: no second mail, whatever is tried.
        with self.assertRaises(InvalidTransition):
            feedback.close_fixed(feedback=report, user=self.second_reviewer)

    def test_an_approval_closing_a_report_of_another_answer_is_refused_whole(self):
        other = draft(self.writer, self.question.condition, slug="other")
        publish(other, writer=self.writer, reviewer=self.reviewer)
        theirs = self.report(question=other)
        live_before = self.question.live_revision_id
        with self.assertRaises(FeedbackError):
            self.fix(close=[theirs.pk])
        self.question.refresh_from_db()
        self.assertEqual(self.question.live_revision_id, live_before)
        theirs.refresh_from_db()
        self.assertEqual(theirs.state, FeedbackState.NEW)

    def test_close_fixed_needs_an_approval_after_the_report(self):
        report = self.report()
        with self.assertRaises(FeedbackError):
            feedback.close_fixed(feedback=report, user=self.reviewer)
        self.fix(close=[])
        feedback.close_fixed(feedback=report, user=self.reviewer)
        report.refresh_from_db()
        self.assertEqual(report.state, FeedbackState.CLOSED)

    def test_the_review_screen_shows_open_reports_and_closes_them(self):
        report = self.report()
        edit(self.question, self.writer, change_summary="Corrected the age.")
        services.submit_for_review(item=self.question, user=self.writer)
        self.client.force_login(self.second_reviewer)
        url = reverse("admin:answers_question_review", args=[self.question.pk])
        page = self.client.get(url)
        self.assertContains(page, "Open reader feedback on this answer")
        self.assertContains(page, READER_TEXT)
        self.assertContains(page, f'name="close_feedback" value="{report.pk}"')
        self.assertContains(page, "Corrected the age.")
        self.assertNotContains(page, "reader@example.org")
        response = self.client.post(
            url,
            {
                "action": "approve",
                "approve-expected_version": self.question.draft_version,
                "approve-coi_confirmed": "on",
                "close_feedback": [str(report.pk)],
            },
        )
        self.assertEqual(response.status_code, 302)
        report.refresh_from_db()
        self.assertEqual(report.state, FeedbackState.CLOSED)
        self.assertEqual(
            OutboundEmail.objects.filter(recipient="reader@example.org").count(), 1
        )

    def test_the_admin_home_counts_new_mine_and_overdue(self):
        mine = self.report()
        feedback.triage_feedback(feedback=mine, user=self.writer, step="triage")
        self.report()
        late = self.report(kind=FeedbackKind.OTHER)
        Feedback.objects.filter(pk=late.pk).update(
            due_on=timezone.localdate() - timedelta(days=1)
        )
        self.client.force_login(self.writer)
        page = self.client.get(reverse("admin:index"))
        self.assertContains(page, "New reader feedback</a>: 2")
        self.assertContains(page, "Reader feedback assigned to me</a>: 1")
        self.assertContains(page, "Reader feedback overdue</a>: 1")
        overdue = self.client.get(
            reverse("admin:answers_feedback_changelist") + "?queue=overdue"
        )
        self.assertContains(overdue, "(overdue)", count=1)
        self.client.force_login(self.moderator)
        self.assertNotContains(
            self.client.get(reverse("admin:index")), "feedback-queues"
        )

    def test_the_question_list_shows_and_sorts_by_the_readers_figures(self):
        weak = draft(self.writer, self.question.condition, slug="weak")
        publish(weak, writer=self.writer, reviewer=self.reviewer)
        old = timezone.now() - timedelta(days=91)
        HelpfulVote.objects.bulk_create(
            [HelpfulVote(question=self.question, helpful=True)] * 3
            + [HelpfulVote(question=self.question, helpful=False)]
            + [HelpfulVote(question=weak, helpful=False)] * 2
            + [HelpfulVote(question=weak, helpful=True, created_at=old)] * 5
        )
        self.report(question=weak)
        self.client.force_login(self.writer)
        url = reverse("admin:answers_question_changelist")
        page = self.client.get(url)
        self.assertContains(page, "75% of 4")
        self.assertContains(page, "0% of 2")
        # Sorted by the helpful column (8th), weakest first.
        listed = self.client.get(url + "?o=7").context["cl"].result_list
        self.assertEqual(listed[0], weak)

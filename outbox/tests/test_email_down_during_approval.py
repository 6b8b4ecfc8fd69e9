"""The mail server is down when a reviewer approves: the approval commits, the
writer's notification waits in the outbox, and once the server is back
`send_queued_email` sends it, once.

Django's real SMTP backend talks to a small mail server on loopback
(`SmtpSink`), stopped and started again like a real one.
"""

import io
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.utils import timezone

from answers import services
from answers.models import AnswerRevision, ReviewEvent, Status
from community import services as community_services
from community.tests.helpers import share
from devdata.personas import (
    PersonasTestCase,
    SmtpSink,
    draft,
    make_member,
    publish,
)
from outbox import services as outbox_services
from outbox.models import OutboundEmail

Queued = OutboundEmail.Status


class MailServerDownTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        smtp = self.settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.sink.port,
            EMAIL_TIMEOUT=5,
        )
        smtp.enable()
        self.addCleanup(smtp.disable)
        self.question = draft(self.writer)
        services.submit_for_review(item=self.question, user=self.writer)
        # Only the approval's email matters here.
        OutboundEmail.objects.all().delete()

    def approve(self, reviewer) -> AnswerRevision:
        with self.captureOnCommitCallbacks(execute=True):
            return services.approve(
                item=self.question,
                user=reviewer,
                expected_version=self.question.draft_version,
                coi_confirmed=True,
            )

    def a_while_later(self) -> None:
        """As if the retry pause had passed."""
        OutboundEmail.objects.filter(status=Queued.QUEUED).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )

    def test_the_approval_commits_and_the_email_is_sent_once_the_server_is_back(self):
        self.sink.stop()
        with self.assertLogs("outbox.services", logging.WARNING) as logs:
            revision = self.approve(self.reviewer)

        # The approval stands.
        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.PUBLISHED)
        self.assertEqual(self.question.live_revision, revision)
        self.assertEqual(
            self.question.events.filter(action=ReviewEvent.Action.APPROVED).count(), 1
        )
        # The notification waits, with what went wrong and when to try again.
        email = OutboundEmail.objects.get(recipient="wendy@example.org")
        self.assertEqual(email.status, Queued.QUEUED)
        self.assertEqual(email.attempts, 1)
        self.assertEqual(email.last_error, "ConnectionRefusedError")
        self.assertGreater(email.next_attempt_at, timezone.now())
        self.assertIn("Approved:", email.subject)
        # The log names the message, not its recipient or content.
        self.assertIn(f"Email #{email.pk} not sent", logs.output[0])
        self.assertNotIn("wendy", " ".join(logs.output))
        self.assertNotIn(self.question.text, " ".join(logs.output))

        # The server comes back; the next run of the command sends it.
        self.sink.start()
        call_command("send_queued_email", stdout=io.StringIO())
        self.assertEqual(self.sink.messages, [])  # not due yet: nothing hammered
        self.a_while_later()
        call_command("send_queued_email", stdout=io.StringIO())
        call_command("send_queued_email", stdout=io.StringIO())

        email.refresh_from_db()
        self.assertEqual((email.status, email.attempts), (Queued.SENT, 2))
        self.assertIsNotNone(email.sent_at)
        self.assertEqual(email.last_error, "")
        self.assertEqual(len(self.sink.messages), 1)
        recipients, data = self.sink.messages[0]
        self.assertEqual(recipients, ["wendy@example.org"])
        self.assertIn("approved an answer you worked on", data)

    def test_after_a_failure_requests_leave_sending_to_the_command(self):
        # A second approval a moment later does not wait for the server again.
        self.sink.stop()
        self.approve(self.reviewer)
        other = draft(self.writer)
        services.submit_for_review(item=other, user=self.writer)
        OutboundEmail.objects.exclude(subject__startswith="Approved").delete()
        self.question = other
        self.sink.start()
        self.approve(self.second_reviewer)

        untried = OutboundEmail.objects.get(subject__contains=other.text)
        self.assertEqual((untried.status, untried.attempts), (Queued.QUEUED, 0))
        self.assertEqual(self.sink.messages, [])
        self.a_while_later()
        call_command("send_queued_email", stdout=io.StringIO())
        self.assertEqual(len(self.sink.messages), 2)
        self.assertFalse(OutboundEmail.objects.filter(status=Queued.QUEUED).exists())

    def test_with_the_server_up_the_email_goes_straight_after_commit(self):
        self.approve(self.reviewer)

        email = OutboundEmail.objects.get(recipient="wendy@example.org")
        self.assertEqual((email.status, email.attempts), (Queued.SENT, 1))
        self.assertEqual(len(self.sink.messages), 1)

    def test_a_rolled_back_step_queues_nothing(self):
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(RuntimeError),
            transaction.atomic(),
        ):
            services.approve(
                item=self.question,
                user=self.reviewer,
                expected_version=self.question.draft_version,
                coi_confirmed=True,
            )
            raise RuntimeError("the request failed after the approval")

        self.assertFalse(OutboundEmail.objects.exists())
        self.assertEqual(self.sink.messages, [])

    def test_moderation_email_to_a_member_is_kept_the_same_way(self):
        condition = self.question.condition
        publish(
            draft(self.writer, condition), writer=self.writer, reviewer=self.reviewer
        )
        self.sink.stop()
        with self.captureOnCommitCallbacks(execute=True):
            post = share(self.member, condition)
        with self.captureOnCommitCallbacks(execute=True):
            community_services.approve_experience(user=self.moderator, experience=post)

        subjects = list(
            OutboundEmail.objects.filter(recipient="mina@example.org")
            .order_by("pk")
            .values_list("subject", "status")
        )
        self.assertEqual(
            subjects,
            [
                ("We have your post", Queued.QUEUED),
                ("Your post is published", Queued.QUEUED),
            ],
        )


@pytest.mark.django_db
def test_deleting_an_account_deletes_its_mail():
    member = make_member("leaving")
    outbox_services.queue_email(to=[member.email], subject="Your post", body="Hi")
    outbox_services.queue_email(to=["someone@example.org"], subject="Other", body="")

    community_services.delete_account(user=member, keep_posts=False)

    assert list(OutboundEmail.objects.values_list("recipient", flat=True)) == [
        "someone@example.org"
    ]


def test_a_database_gone_after_commit_leaves_the_mail_queued(monkeypatch, caplog):
    """The step committed, then PostgreSQL restarted before the mail went:
    one warning line, no error for the request; the command sends it later."""

    def database_gone(**kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(outbox_services, "deliver", database_gone)
    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        outbox_services._deliver_after_commit([41, 42])

    assert caplog.messages == [
        "Queued email [41, 42] left for send_queued_email: terminating connection "
        "due to administrator command"
    ]
    assert not any(r.exc_info for r in caplog.records)

"""`send_queued_email` sends what is due, backs off after failures, gives up
after MAX_ATTEMPTS, never sends a message twice even with two senders at once,
stops a batch when the server is down but not for one refused address, and
deletes sent messages after a few days."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devdata.personas import Crowd, SmtpSink
from outbox import services
from outbox.models import MAX_ATTEMPTS, OutboundEmail

Status = OutboundEmail.Status


@pytest.fixture
def sink(settings):
    server = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


def queue(*addresses: str) -> list[OutboundEmail]:
    return [
        services.queue_email(to=[a], subject=f"To {a}", body="Hello.")[0]
        for a in addresses
    ]


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("send_queued_email", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_sends_what_is_due_once(sink):
    queue("a@example.org", "b@example.org")

    output = run_command()
    run_command()

    assert "2 sent, 0 failed" in output
    assert sorted(r for recipients, _ in sink.messages for r in recipients) == [
        "a@example.org",
        "b@example.org",
    ]
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db
def test_it_waits_longer_after_each_failure_then_gives_up():
    (email,) = queue("a@example.org")
    now = timezone.now()
    waits = []
    for _ in range(MAX_ATTEMPTS):
        email.record_failure(ConnectionRefusedError(), now)
        if email.status == Status.QUEUED:
            waits.append(email.next_attempt_at - now)

    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=6)
    assert len(waits) == MAX_ATTEMPTS - 1
    assert (email.status, email.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert not OutboundEmail.objects.due(now + timedelta(days=30)).exists()


@pytest.mark.django_db
def test_a_server_that_is_down_stops_the_batch(sink):
    queue("a@example.org", "b@example.org", "c@example.org")
    sink.stop()

    output = run_command()

    assert "0 sent, 1 failed, 2 left for later" in output
    attempts = list(OutboundEmail.objects.values_list("attempts", flat=True))
    assert sorted(attempts) == [0, 0, 1]


@pytest.mark.django_db
def test_one_refused_address_does_not_stop_the_others(sink):
    queue("refused@example.org", "b@example.org")

    output = run_command()

    assert "1 sent, 1 failed" in output
    refused = OutboundEmail.objects.get(recipient="refused@example.org")
    assert refused.status == Status.QUEUED
    assert refused.last_error == "SMTPRecipientsRefused"
    assert [r for r, _ in sink.messages] == [["b@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_senders_running_at_once_never_send_a_message_twice(sink, report_figures):
    addresses = [f"member{n}@example.org" for n in range(30)]
    # Rows as a crashed process would leave them (queue_email would also try
    # to send them at once, outside a transaction).
    OutboundEmail.objects.bulk_create(
        OutboundEmail(recipient=a, subject="Hello", body="Hello.") for a in addresses
    )
    senders = 4

    with Crowd(senders) as crowd:
        outcomes = crowd.run([services.deliver] * senders)

    sent = sorted(r for recipients, _ in sink.messages for r in recipients)
    assert sent == sorted(addresses)
    assert sum(o.sent for o in outcomes) == len(addresses)
    assert not OutboundEmail.objects.exclude(status=Status.SENT).exists()
    report_figures(
        f"email ({connection.vendor}): {senders} senders at once over "
        f"{len(addresses)} queued messages: {len(sent)} sent, each once; "
        f"{sum(o.skipped for o in outcomes)} skipped as claimed by another sender"
    )


@pytest.mark.django_db
def test_sent_messages_are_deleted_after_the_keep_days(sink):
    old, recent = queue("old@example.org", "recent@example.org")
    run_command()
    OutboundEmail.objects.filter(pk=old.pk).update(
        sent_at=timezone.now() - timedelta(days=8)
    )

    output = run_command("--keep-days", "7")

    assert "1 old sent messages deleted" in output
    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_a_dry_run_sends_nothing(sink):
    queue("a@example.org")

    output = run_command("--dry-run")

    assert "1 messages due now" in output
    assert sink.messages == []
    assert OutboundEmail.objects.get().status == Status.QUEUED


@pytest.mark.django_db(transaction=True)
def test_mail_sent_straight_after_commit_is_not_read_back(sink):
    """Straight after its commit a message is sent from the copy just saved:
    one statement claims it, one records it sent (before: a due query and a
    read as well)."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        services.queue_email(to=["a@example.org"], subject="Hi", body="Hello.")

    statements = [
        q["sql"].split()[0]
        for q in queries.captured_queries
        if "outbox_outboundemail" in q["sql"]
    ]
    assert statements == ["INSERT", "UPDATE", "UPDATE"]
    assert [r for recipients, _ in sink.messages for r in recipients] == [
        "a@example.org"
    ]
    email = OutboundEmail.objects.get()
    assert (email.status, email.attempts) == (Status.SENT, 1)


@pytest.mark.django_db
def test_a_copy_someone_else_tried_meanwhile_is_read_again(sink):
    """If another sender tried the message between its commit and this one's
    attempt (and its retry time came), the copy in hand is stale: the row is
    read again, so its attempts are counted from what the row says."""
    copy = OutboundEmail.objects.create(
        recipient="a@example.org", subject="Hi", body="x"
    )
    OutboundEmail.objects.filter(pk=copy.pk).update(
        attempts=3, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    result = services.deliver(ids=[copy.pk], fresh=[copy])

    assert result.sent == 1
    email = OutboundEmail.objects.get(pk=copy.pk)
    assert (email.status, email.attempts) == (Status.SENT, 4)


@pytest.mark.django_db
def test_a_fresh_copy_another_sender_claimed_is_skipped(sink):
    copy = OutboundEmail.objects.create(
        recipient="a@example.org", subject="Hi", body="x"
    )
    OutboundEmail.objects.filter(pk=copy.pk).update(
        next_attempt_at=timezone.now() + services.CLAIM
    )

    result = services.deliver(ids=[copy.pk], fresh=[copy])

    assert (result.sent, result.skipped) == (0, 1)
    assert sink.messages == []

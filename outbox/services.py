"""Queue email with the step it belongs to; send it after commit, and later.

`queue_email` is called inside a service's transaction. After commit the
message is tried at once; whatever fails stays queued with a growing pause and
`manage.py send_queued_email` (run every minute from cron or a systemd timer)
tries again. Each message is claimed before it is sent, so two senders at the
same time never send it twice. Delivery is at least once: a sender that dies
after the mail server accepted a message but before recording it sends it
again after the claim expires.
"""

import contextlib
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, transaction
from django.utils import timezone

from outbox.models import OutboundEmail

logger = logging.getLogger(__name__)

# How long a claimed message is left to the sender that claimed it.
CLAIM = timedelta(minutes=5)
# After the mail server failed, requests stop trying to send straight after
# commit for this long (a hung server would cost each request EMAIL_TIMEOUT);
# the periodic command keeps trying.
PAUSE_AFTER_FAILURE = 60.0  # seconds
# Failures that concern one message; any other stops the batch, because the
# server itself is down and every message would wait for the same timeout.
ONE_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)

_now = time.monotonic
_paused = threading.Lock()
_paused_until = 0.0


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another sender meanwhile
    left: int = 0  # not tried: the server was down

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.failed} failed, {self.left} left for later, "
            f"{self.skipped} taken by another sender"
        )


def queue_email(*, to: list[str], subject: str, body: str) -> list[OutboundEmail]:
    """One queued message per address, saved in the caller's transaction and
    tried right after it commits."""
    emails = [
        OutboundEmail.objects.create(recipient=address, subject=subject, body=body)
        for address in to
    ]
    if emails:
        # robust: the step has committed; a failure here must not undo the
        # request's success (deliver() itself only raises on database errors).
        ids = [email.pk for email in emails]
        transaction.on_commit(
            lambda: _deliver_after_commit(ids, fresh=emails), robust=True
        )
    return emails


def _deliver_after_commit(
    ids: list[int], *, fresh: list[OutboundEmail] | None = None
) -> None:
    if _now() < _paused_until:
        return  # the mail server failed a moment ago: the command retries
    try:
        deliver(ids=ids, fresh=fresh)
    except DatabaseError as exc:
        # The step committed, then the database went away (a restart): the
        # messages are safe in the queue and the command sends them later.
        logger.warning(
            "Queued email %s left for send_queued_email: %s",
            ids,
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc),
        )


def _pause_immediate_delivery() -> None:
    global _paused_until
    with _paused:
        _paused_until = _now() + PAUSE_AFTER_FAILURE


def _claim(pk: int, *, attempts: int | None = None) -> bool:
    """Take the message if it is still due; the clock is read now, not at the
    start of a long batch, so the claim lasts its full time. With `attempts`,
    only if it has been tried that many times (the copy in hand is then the
    row as it is)."""
    now = timezone.now()
    due = OutboundEmail.objects.due(now).filter(pk=pk)
    if attempts is not None:
        due = due.filter(attempts=attempts)
    return bool(due.update(next_attempt_at=now + CLAIM))


def _claim_fresh(pk: int, fresh: dict[int, OutboundEmail]) -> OutboundEmail | None:
    """A message just queued, sent straight after its commit, as it was
    saved: claimed only if nobody has tried it since (attempts unchanged),
    so the copy in hand is the row and needs no read. Else None, and it is
    claimed and read like any other."""
    email = fresh.get(pk)
    if email is not None and _claim(pk, attempts=email.attempts):
        return email
    return None


def deliver(
    *,
    ids: list[int] | None = None,
    limit: int = 500,
    fresh: list[OutboundEmail] | None = None,
) -> Delivery:
    """Send queued messages that are due (all of them, or those in `ids`).

    `fresh`: messages this process has just saved (queue_email, after the
    commit), tried without reading them back: the claim alone checks that
    each is still due and untried."""
    if fresh is not None and ids is not None:
        pending = ids[:limit]
    else:
        due = OutboundEmail.objects.due(timezone.now())
        if ids is not None:
            due = due.filter(pk__in=ids)
        pending = list(due.values_list("pk", flat=True)[:limit])
    copies = {email.pk: email for email in fresh or ()}
    result = Delivery()
    connection = get_connection(fail_silently=False)
    try:
        for position, pk in enumerate(pending):
            email = _claim_fresh(pk, copies)
            if email is None:
                if not _claim(pk):
                    result.skipped += 1
                    continue
                email = OutboundEmail.objects.get(pk=pk)
            message = EmailMessage(
                email.subject,
                email.body,
                None,
                [email.recipient],
                connection=connection,
            )
            try:
                # One connection for the batch (send() alone would open and
                # close one per message).
                connection.open()
                message.send()
            except OSError as exc:  # smtplib.SMTPException is an OSError
                email.record_failure(exc, timezone.now())
                result.failed += 1
                logger.warning(
                    "Email #%s not sent (%s, attempt %s); %s.",
                    email.pk,
                    email.last_error,
                    email.attempts,
                    "given up"
                    if email.status == OutboundEmail.Status.FAILED
                    else f"next try after {email.next_attempt_at:%H:%M:%S} UTC",
                )
                if not isinstance(exc, ONE_MESSAGE_ERRORS):
                    _pause_immediate_delivery()
                    result.left = len(pending) - position - 1
                    break
            else:
                email.record_sent(timezone.now())
                result.sent += 1
    finally:
        # A server that went away after the last message is no error.
        with contextlib.suppress(OSError):
            connection.close()
    return result


def prune_sent(*, older_than: timedelta) -> int:
    """Sent messages are kept a short while (to check what was sent), then
    deleted: they repeat names and conditions held elsewhere."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENT, sent_at__lt=cutoff
    ).delete()
    return deleted


def forget_recipient(address: str) -> int:
    """An account is deleted: no message to or about it stays queued or kept."""
    deleted, _ = OutboundEmail.objects.filter(recipient__iexact=address).delete()
    return deleted

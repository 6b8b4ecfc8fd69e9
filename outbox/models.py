"""Email waiting to be sent, written in the transaction of the step it reports.

A workflow step (an approval, a moderation decision) and its email are saved
together: if the step commits, the email exists; if it rolls back, so does the
email. Sending happens after commit and again later until it works, so a mail
server that is down delays a notification but never loses it, and never
turns a committed step into an error page.
"""

from datetime import datetime, timedelta
from smtplib import SMTPResponseException

from django.db import models
from django.utils import timezone

# After a failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours, 12 attempts
# (about a day) before giving up.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 12


class OutboundEmailQuerySet(models.QuerySet):
    def due(self, now: datetime) -> "OutboundEmailQuerySet":
        return self.filter(
            status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now
        ).order_by("pk")


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Given up"

    recipient = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, editable=False
    )
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Also the lease: a sender moves it forward before sending, so a second
    # sender running at the same time skips the message.
    next_attempt_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The error's type and SMTP code only: server messages can quote the
    # recipient's address, and the admin and logs show this field.
    last_error = models.CharField(max_length=200, blank=True, editable=False)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = "outgoing email"
        indexes = [
            # The sender's query: queued messages whose time has come.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Email #{self.pk}: {self.subject}"

    def record_sent(self, at: datetime) -> None:
        self.status = self.Status.SENT
        self.sent_at = at
        self.attempts += 1
        self.last_error = ""
        self.save(update_fields=["status", "sent_at", "attempts", "last_error"])

    def record_failure(self, exc: BaseException, at: datetime) -> None:
        self.attempts += 1
        self.last_error = describe_error(exc)
        if self.attempts >= MAX_ATTEMPTS:
            self.status = self.Status.FAILED
        else:
            wait = min(FIRST_RETRY * 2 ** (self.attempts - 1), LONGEST_WAIT)
            self.next_attempt_at = at + wait
        self.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SMTPResponseException):
        return f"{type(exc).__name__} (SMTP {exc.smtp_code})"
    return type(exc).__name__

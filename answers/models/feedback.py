"""What readers tell us about answers, and what we do with it.

- `HelpfulVote`: one click on "Did this answer your question?". Nobody is
  named in it: not the reader, not their address (the view rate-limits by a
  keyed hash of the address that lives only in the cache).
- `Feedback`: a report of a problem with one answer (what kind, which
  section, what the reader noticed, an optional reply address). The text is
  untrusted: stored as plain text without control or direction characters,
  shown to staff escaped, never on a public page. The reply address is kept
  only while the report is open.
- `FeedbackEvent`: the append-only audit of every step a report goes through.

States move only through `Feedback.transition_to`, called by the services in
answers/feedback.py.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from answers.exceptions import InvalidTransition
from answers.models.review import AppendOnlyModel


class FeedbackKind(models.TextChoices):
    WRONG = "wrong", "Something is wrong"
    OUT_OF_DATE = "out_of_date", "It is out of date"
    UNCLEAR = "unclear", "It is hard to understand"
    BROKEN_LINK = "broken_link", "A link does not work"
    OTHER = "other", "Something else"


# Working days from arrival to an answer from us: a reader who says the
# answer is wrong may be acting on it, so that comes first.
DUE_WORKING_DAYS = {FeedbackKind.WRONG: 2}
DEFAULT_DUE_WORKING_DAYS = 10


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def due_date(kind: str, received: date) -> date:
    return add_working_days(
        received, DUE_WORKING_DAYS.get(kind, DEFAULT_DUE_WORKING_DAYS)
    )


class FeedbackState(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ACCEPTED = "accepted", "Accepted: a fix is being drafted"
    DECLINED = "declined", "Declined"
    CLOSED = "closed", "Closed: fixed"


OPEN_STATES = (FeedbackState.NEW, FeedbackState.TRIAGED, FeedbackState.ACCEPTED)

# Declined and closed are final: the reply address is gone by then.
FEEDBACK_TRANSITIONS: dict[str, set[str]] = {
    FeedbackState.NEW: {
        FeedbackState.TRIAGED,
        FeedbackState.ACCEPTED,
        FeedbackState.DECLINED,
        FeedbackState.CLOSED,
    },
    FeedbackState.TRIAGED: {
        FeedbackState.ACCEPTED,
        FeedbackState.DECLINED,
        FeedbackState.CLOSED,
    },
    FeedbackState.ACCEPTED: {
        FeedbackState.DECLINED,
        FeedbackState.CLOSED,
    },
    FeedbackState.DECLINED: set(),
    FeedbackState.CLOSED: set(),
}


class FeedbackQuerySet(models.QuerySet):
    def open(self) -> "FeedbackQuerySet":
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, today: date) -> "FeedbackQuerySet":
        return self.open().filter(due_on__lt=today)


class Feedback(models.Model):
    """A reader's report of a problem with an answer."""

    question = models.ForeignKey(
        "answers.Question", on_delete=models.PROTECT, related_name="feedback"
    )
    # The approved version the reader was looking at.
    revision = models.ForeignKey(
        "answers.AnswerRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=FeedbackKind.choices)
    # A heading of the answer as the reader saw it; blank: the whole answer.
    section = models.CharField(max_length=200, blank=True)
    # Untrusted reader text: plain, never rendered as Markdown or HTML.
    text = models.TextField()
    reply_to = models.EmailField(
        blank=True, help_text="Erased when the report is declined or closed."
    )
    # A logged-in member who sent it: part of their export, erased with them.
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        max_length=20,
        choices=FeedbackState.choices,
        default=FeedbackState.NEW,
        editable=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who answers for this report now.",
    )
    due_on = models.DateField(
        help_text="Something wrong: 2 working days; anything else: 10."
    )
    decline_reason = models.TextField(blank=True)
    # The approved revision that fixed it (closed reports).
    fixed_by = models.ForeignKey(
        "answers.AnswerRevision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixed_feedback",
    )
    reader_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = "reader feedback"
        verbose_name_plural = "reader feedback"
        indexes = [
            # The queue and the overdue list: open reports by due date.
            models.Index(fields=["state", "due_on"], name="feedback_queue_idx"),
            # The review screen and the question list: open reports per answer.
            models.Index(fields=["question", "state"], name="feedback_question_idx"),
        ]
        permissions = [
            ("triage_feedback", "Can triage, assign, accept and decline feedback"),
            ("close_feedback", "Can close feedback with the approval that fixes it"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.question} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("admin:answers_feedback_change", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())

    def transition_to(self, new_state: str) -> None:
        if new_state not in FEEDBACK_TRANSITIONS[self.state]:
            raise InvalidTransition(
                f"This report is {self.get_state_display().lower()}; it cannot "
                f"become {FeedbackState(new_state).label.lower()} from there."
            )
        self.state = new_state


class FeedbackEvent(AppendOnlyModel):
    """One step of a report: who did what, and when. Never the reader's words."""

    class Action(models.TextChoices):
        RECEIVED = "received", "Received"
        TRIAGED = "triaged", "Triaged"
        ASSIGNED = "assigned", "Assigned"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CLOSED = "closed", "Closed with a fix"
        READER_TOLD = "reader_told", "Reader told"
        ERASED = "erased", "Reader's words erased"

    feedback = models.ForeignKey(
        Feedback, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name}"


class HelpfulVote(models.Model):
    """One "yes" or "no" to "Did this answer your question?"; anonymous."""

    question = models.ForeignKey(
        "answers.Question", on_delete=models.CASCADE, related_name="votes"
    )
    revision = models.ForeignKey(
        "answers.AnswerRevision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The 90-day share per answer in the question list.
            models.Index(fields=["question", "created_at"], name="vote_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{'Yes' if self.helpful else 'No'} on {self.question_id}"

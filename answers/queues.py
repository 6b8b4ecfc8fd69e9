"""The reviewers' work queues and the reader feedback queues, shared by the
admin list filters and home page."""

from collections.abc import Callable, Iterable
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from answers.models import (
    Feedback,
    FeedbackState,
    ReviewedQuerySet,
    Status,
    TerminologyAlert,
)

Queue = Callable[[ReviewedQuerySet, object, date], ReviewedQuerySet]

# key: (label, how to narrow a queryset of reviewed content, answers or
# condition facts, for a user on a given day)
REVIEW_QUEUES: dict[str, tuple[str, Queue]] = {
    "mine": ("Awaiting my review", lambda qs, user, today: qs.awaiting_review_by(user)),
    "in_review": (
        "All in review",
        lambda qs, user, today: qs.filter(status=Status.IN_REVIEW),
    ),
    "changes": (
        "Changes requested",
        lambda qs, user, today: qs.filter(status=Status.CHANGES_REQUESTED),
    ),
    "overdue": ("Overdue for review", lambda qs, user, today: qs.overdue(today)),
    "due30": ("Due in 30 days", lambda qs, user, today: qs.due_within(30, today)),
    # Conditions using a code that a newly loaded terminology release retired
    # or replaced (answers.terminology.loading.raise_alerts), until a reviewer
    # approves their facts again. Open alerts are few: the subquery reads them
    # rather than testing every condition.
    "terminology": (
        "Terminology changed",
        lambda qs, user, today: qs.filter(
            pk__in=TerminologyAlert.objects.filter(resolved_at__isnull=True).values(
                "condition_id"
            )
        ),
    ),
}

# Queues that only one kind of content has (by model name); the others apply
# to answers and condition facts alike. A terminology release changes the
# codes of conditions, never anything an answer holds.
QUEUE_MODELS: dict[str, str] = {"terminology": "condition"}

# The permission that lets someone act on each queue: only reviewers approve
# what is in review and re-certify what is due (answers.services checks the
# same permission); writers revise what a reviewer sent back.
QUEUE_PERMISSIONS: dict[str, str] = {
    "mine": "review",
    "in_review": "review",
    "changes": "change",
    "overdue": "review",
    "due30": "review",
    # Writers pick the new codes and resubmit; reviewers approve (and may edit).
    "terminology": "change",
}

# Shown with counts on the admin home page.
HOME_QUEUES = ["mine", "changes", "overdue", "due30", "terminology"]


def queues_for(
    user: AbstractBaseUser, keys: Iterable[str], model_name: str = "question"
) -> list[str]:
    """The queues among `keys` that this kind of content (question or
    condition) has and `user` can act on, in the same order."""
    return [
        key
        for key in keys
        if QUEUE_MODELS.get(key, model_name) == model_name
        and user.has_perm(f"answers.{QUEUE_PERMISSIONS[key]}_{model_name}")
    ]


# key: (label, how to narrow open reports for a user on a day)
FEEDBACK_QUEUES = {
    "new": (
        "New reader feedback",
        lambda qs, user, today: qs.filter(state=FeedbackState.NEW),
    ),
    "mine": (
        "Reader feedback assigned to me",
        lambda qs, user, today: qs.open().filter(assignee_id=user.pk),
    ),
    "overdue": (
        "Reader feedback overdue",
        lambda qs, user, today: qs.overdue(today),
    ),
    "open": ("All open reader feedback", lambda qs, user, today: qs.open()),
}
HOME_FEEDBACK_QUEUES = ["new", "mine", "overdue"]


def feedback_queue_counts(user, today: date) -> list[dict]:
    """Counts and links for the admin home page, for those who work the queue."""
    if not user.has_perm("answers.triage_feedback"):
        return []
    base = reverse("admin:answers_feedback_changelist")
    return [
        {
            "label": FEEDBACK_QUEUES[key][0],
            "count": FEEDBACK_QUEUES[key][1](
                Feedback.objects.all(), user, today
            ).count(),
            "url": f"{base}?queue={key}",
        }
        for key in HOME_FEEDBACK_QUEUES
    ]

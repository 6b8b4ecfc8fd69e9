"""The reviewers' work queues, shared by the admin list filter and home page."""

from collections.abc import Callable
from datetime import date

from answers.models import QuestionQuerySet, Status

Queue = Callable[[QuestionQuerySet, object, date], QuestionQuerySet]

# key: (label, how to narrow a question queryset for a user on a given day)
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
}

# Shown with counts on the admin home page.
HOME_QUEUES = ["mine", "changes", "overdue", "due30"]

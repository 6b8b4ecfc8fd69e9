"""The reviewers' work queues, shared by the admin list filter and home page."""

from collections.abc import Callable, Iterable
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser

from answers.models import ReviewedQuerySet, Status

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
}

# The permission that lets someone act on each queue: only reviewers approve
# what is in review and re-certify what is due (answers.services checks the
# same permission); writers revise what a reviewer sent back.
QUEUE_PERMISSIONS: dict[str, str] = {
    "mine": "review",
    "in_review": "review",
    "changes": "change",
    "overdue": "review",
    "due30": "review",
}

# Shown with counts on the admin home page.
HOME_QUEUES = ["mine", "changes", "overdue", "due30"]


def queues_for(
    user: AbstractBaseUser, keys: Iterable[str], model_name: str = "question"
) -> list[str]:
    """The queues among `keys` that `user` can act on for this kind of content
    (question or condition), in the same order."""
    return [
        key
        for key in keys
        if user.has_perm(f"answers.{QUEUE_PERMISSIONS[key]}_{model_name}")
    ]

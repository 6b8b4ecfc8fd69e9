"""Small helpers for community tests, on top of devdata.personas personas."""

import uuid

from community import services
from community.models import Experience

STORY = (
    "I was diagnosed two years ago after a long search. The tingling in my feet "
    "came first, and the tiredness later."
)


def share(user, condition, question=None, body: str = STORY, **extra) -> Experience:
    return services.post_experience(
        user=user,
        condition=condition,
        question=question,
        relation=extra.pop("relation", "lives_with"),
        body=body,
        submission_key=uuid.uuid4(),
        **extra,
    )


def share_published(user, condition, question=None, *, moderator, **extra):
    experience = share(user, condition, question, **extra)
    return services.approve_experience(user=moderator, experience=experience)


def give_record(user, *, moderator, condition=None) -> None:
    """Make `user` a reporter with a record (community.services.reports): an
    account old enough, a confirmed address (make_member's) and one post a
    moderator approved, on a condition of its own so that it changes no page
    a test watches."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from devdata.personas import make_condition

    old = timezone.now() - services.RECORD_MIN_ACCOUNT_AGE - timedelta(days=1)
    get_user_model().objects.filter(pk=user.pk).update(date_joined=old)
    user.refresh_from_db()
    share_published(user, condition or make_condition(), moderator=moderator)

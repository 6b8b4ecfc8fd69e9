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

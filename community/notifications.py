"""Mail to members about their posts. Sent after the transaction commits."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from community.models import Experience, ModerationEvent

logger = logging.getLogger(__name__)

SUBJECTS = {
    ModerationEvent.Action.APPROVED: "Your post is published",
    ModerationEvent.Action.HIDDEN: "Your post has been hidden",
    ModerationEvent.Action.REMOVED: "Your post has been removed",
    ModerationEvent.Action.EDIT_APPROVED: "Your edit is published",
    ModerationEvent.Action.EDIT_REJECTED: "Your edit was not published",
}


def _send(experience: Experience, subject: str, template: str, context: dict) -> None:
    user = experience.author.user
    if user is None or not user.email:
        return
    body = render_to_string(
        template,
        {"experience": experience, "site_url": settings.SITE_URL, **context},
    )
    try:
        send_mail(subject, body, None, [user.email])
    except OSError:
        # The decision stands; the member also sees it under "My posts".
        logger.exception("Could not send moderation email for post %s", experience.pk)


def received(experience: Experience) -> None:
    _send(
        experience,
        "We have your post",
        "emails/experience_received.txt",
        {},
    )


def decided(experience: Experience, event: ModerationEvent) -> None:
    subject = SUBJECTS.get(event.action)
    if subject:
        _send(experience, subject, "emails/experience_decided.txt", {"event": event})

"""Mail to members about their posts. Called inside the step's transaction:
queued with it (`outbox`) and sent after commit, or later if the mail server
is down."""

from django.conf import settings
from django.template.loader import render_to_string

from community.models import Experience, ModerationEvent
from outbox.services import queue_email

SUBJECTS = {
    ModerationEvent.Action.APPROVED: "Your post is published",
    ModerationEvent.Action.HIDDEN: "Your post has been hidden",
    ModerationEvent.Action.REMOVED: "Your post has been removed",
    ModerationEvent.Action.EDIT_APPROVED: "Your edit is published",
    ModerationEvent.Action.EDIT_REJECTED: "Your edit was not published",
    # Sent only when dismissing the reports brings a hidden post back.
    ModerationEvent.Action.REPORTS_DISMISSED: "Your post is back online",
    # A medical reviewer's look and decisions (community.services.
    # medical_review). The moderator's question to the reviewer is not sent.
    ModerationEvent.Action.SENT_TO_REVIEWER: "A medical reviewer is reading your post",
    ModerationEvent.Action.REVIEWER_PUBLISHED: "Your post is published, with a note",
    ModerationEvent.Action.REVIEWER_ASKED_EDIT: "Please change your post",
    ModerationEvent.Action.REVIEWER_HID: "Your post has been hidden",
    # No post text in the mail (health data): the author reads it on /me/.
    ModerationEvent.Action.REDACTED: "A moderator suggests changes to your post",
}


def _send(experience: Experience, subject: str, template: str, context: dict) -> None:
    user = experience.author.user
    if user is None or not user.email:
        return
    body = render_to_string(
        template,
        {"experience": experience, "site_url": settings.SITE_URL, **context},
    )
    queue_email(to=[user.email], subject=subject, body=body)


def received(experience: Experience) -> None:
    _send(
        experience,
        "We have your post",
        "emails/experience_received.txt",
        {},
    )


def hidden_by_reports(experience: Experience) -> None:
    """Reports hid the post: the author is told, with the way to ask for a
    review (their page)."""
    _send(
        experience,
        "Your post is hidden until a moderator checks it",
        "emails/experience_hidden_by_reports.txt",
        {},
    )


def decided(experience: Experience, event: ModerationEvent) -> None:
    subject = SUBJECTS.get(event.action)
    if subject:
        _send(experience, subject, "emails/experience_decided.txt", {"event": event})


def redaction_proposed(
    experience: Experience, event: ModerationEvent, *, keep_days: int
) -> None:
    """A moderator redacted the post: the author is asked to look. Neither
    the original nor the redacted text goes into the mail."""
    _send(
        experience,
        SUBJECTS[event.action],
        "emails/experience_decided.txt",
        {"event": event, "keep_days": keep_days},
    )


def high_risk_overdue(experience: Experience, moderators: list[str]) -> None:
    """No moderator has acted on a high-risk post within the response target:
    every moderator hears of it. Only the post's number and where to act: no
    member text, name or condition goes into mail."""
    if not moderators:
        return
    from django.urls import reverse

    url = settings.SITE_URL + reverse(
        "admin:community_experience_moderate", args=[experience.pk]
    )
    body = render_to_string(
        "emails/high_risk_overdue.txt",
        {"experience": experience, "moderate_url": url},
    )
    queue_email(
        to=moderators,
        subject=f"Overdue: post #{experience.pk} may be from someone at risk",
        body=body,
    )


MEMBER_SUBJECTS = {
    "suspended": "You cannot post on DiseaseMaps for now",
    "suspension_lifted": "You can post on DiseaseMaps again",
}


def member_decided(member, action: str, reason: str) -> None:
    """A moderator suspended a member's posting, or lifted it: the member is
    told why, never who reported them."""
    user = member.user
    if user is None or not user.email or action not in MEMBER_SUBJECTS:
        return
    body = render_to_string(
        "emails/member_decided.txt",
        {
            "member": member,
            "action": action,
            "reason": reason,
            "site_url": settings.SITE_URL,
        },
    )
    queue_email(to=[user.email], subject=MEMBER_SUBJECTS[action], body=body)

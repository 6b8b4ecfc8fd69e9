"""Workflow email. Called inside the step's transaction: the messages are
queued with the step (`outbox`), so nothing is sent for a step that was rolled
back, and a mail server that is down delays them instead of losing them."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from answers.models import (
    AnswerRevision,
    Condition,
    Feedback,
    ReviewedContent,
    ReviewEvent,
)
from outbox.services import queue_email

SUBJECT_LENGTH = 200


def _admin_url(step: str, item: ReviewedContent) -> str:
    name = f"admin:answers_{item._meta.model_name}_{step}"
    return settings.SITE_URL + reverse(name, args=[item.pk])


def _describe(item: ReviewedContent) -> dict:
    """How mail names the item: an answer by its question, with its condition;
    a condition's facts by the condition."""
    if isinstance(item, Condition):
        return {"what": "the facts of a condition", "title": f"Facts of {item.name}"}
    return {"what": "an answer", "title": f"{item.text} ({item.condition.name})"}


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> None:
    if not recipients:
        return
    # A mail header is one line: Django refuses the whole message otherwise.
    # And a short one: a long question and condition name are cut, not lost
    # (the body names them in full).
    # Cut by code points, as the database counts them (Truncator would not
    # count combining marks, and a hostile name can be made mostly of them).
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_LENGTH:
        subject = subject[: SUBJECT_LENGTH - 1] + "…"
    queue_email(
        to=recipients, subject=subject, body=render_to_string(template, context)
    )


def submitted(item: ReviewedContent, event: ReviewEvent, recipients: list[str]) -> None:
    described = _describe(item)
    _send(
        f"Review requested: {described['title']}",
        "emails/submitted_for_review.txt",
        {**described, "event": event, "review_url": _admin_url("review", item)},
        recipients,
    )


def decided(item: ReviewedContent, event: ReviewEvent, recipients: list[str]) -> None:
    approved = event.action == ReviewEvent.Action.APPROVED
    described = _describe(item)
    _send(
        f"{'Approved' if approved else 'Changes requested'}: {described['title']}",
        "emails/review_decision.txt",
        {
            **described,
            "event": event,
            "approved": approved,
            "edit_url": _admin_url("change", item),
            "public_url": settings.SITE_URL + item.get_absolute_url(),
        },
        recipients,
    )


def feedback_fixed(
    feedback: Feedback, revision: AnswerRevision, recipients: list[str]
) -> None:
    """The reader who reported a problem and left an address: the page is
    corrected. Their own words are not repeated (they may describe their
    health, and mail is kept for a few days)."""
    _send(
        "We corrected the answer you told us about",
        "emails/feedback_fixed.txt",
        {
            "question_text": revision.question_text,
            "summary": revision.change_summary,
            "approved_on": revision.approved_at,
            "public_url": settings.SITE_URL + feedback.question.get_absolute_url(),
        },
        recipients,
    )


def staff_login_changed(sender, *, user, change: str, by, **kwargs) -> None:
    """diseasemaps.lib.two_factor.login_changed: how a staff member logs in
    changed. Their address hears of it, with what to do if it was not them:
    a stolen session or password must not change the way in unnoticed. No
    secret is in the mail (no code, no password, no key)."""
    _send(
        "Your DiseaseMaps staff login changed",
        "emails/staff_login_changed.txt",
        {
            "username": user.get_username(),
            "change": change,
            "by_admin": by is not None and by.pk != user.pk,
            "by_name": by.get_full_name() or by.get_username() if by else "",
            "timestamp": timezone.now(),
            "methods_url": settings.SITE_URL + reverse("admin:two_factor_devices"),
        },
        [user.email] if user.email else [],
    )

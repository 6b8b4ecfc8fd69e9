"""Workflow email. Called inside the step's transaction: the messages are
queued with the step (`outbox`), so nothing is sent for a step that was rolled
back, and a mail server that is down delays them instead of losing them."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from answers.models import Question, ReviewEvent
from outbox.services import queue_email


def _admin_url(name: str, question: Question) -> str:
    return settings.SITE_URL + reverse(name, args=[question.pk])


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> None:
    if not recipients:
        return
    # A mail header is one line: Django refuses the whole message otherwise.
    subject = " ".join(subject.split())
    queue_email(
        to=recipients, subject=subject, body=render_to_string(template, context)
    )


def submitted(question: Question, event: ReviewEvent, recipients: list[str]) -> None:
    _send(
        f"Review requested: {question.text}",
        "emails/submitted_for_review.txt",
        {
            "question": question,
            "event": event,
            "review_url": _admin_url("admin:answers_question_review", question),
        },
        recipients,
    )


def decided(question: Question, event: ReviewEvent, recipients: list[str]) -> None:
    approved = event.action == ReviewEvent.Action.APPROVED
    _send(
        f"{'Approved' if approved else 'Changes requested'}: {question.text}",
        "emails/review_decision.txt",
        {
            "question": question,
            "event": event,
            "approved": approved,
            "edit_url": _admin_url("admin:answers_question_change", question),
            "public_url": settings.SITE_URL + question.get_absolute_url(),
        },
        recipients,
    )

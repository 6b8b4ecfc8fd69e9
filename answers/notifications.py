"""Workflow email. Called from `transaction.on_commit`, so nothing is sent for a
step that was rolled back."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from answers.models import Question, ReviewEvent

logger = logging.getLogger(__name__)


def _admin_url(name: str, question: Question) -> str:
    return settings.SITE_URL + reverse(name, args=[question.pk])


def _send(subject: str, template: str, context: dict, recipients: list[str]) -> None:
    if not recipients:
        return
    body = render_to_string(template, context)
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        for address in recipients
    ]
    try:
        send_mass_mail(messages, fail_silently=False)
    except OSError:
        # The step itself has committed; a mail outage must not turn it into an
        # error page. The reviewer queues in the admin still show the work.
        logger.exception("Could not send workflow email %r", template)


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

"""The review box on the admin home page: counts of each review queue."""

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from answers.models import Condition, Question
from answers.queues import (
    HOME_QUEUES,
    REVIEW_QUEUES,
    feedback_queue_counts,
    queues_for,
)

register = template.Library()


@register.simple_tag
def review_queues(request: HttpRequest) -> list[dict]:
    """Counts and links for the review box on the admin home page: only the
    queues this user can act on (a writer cannot approve or re-certify)."""
    today = timezone.localdate()
    rows = []
    for model, kind in ((Question, ""), (Condition, "Condition facts: ")):
        name = model._meta.model_name
        if not request.user.has_perm(f"answers.view_{name}"):
            continue
        base = reverse(f"admin:answers_{name}_changelist")
        for key in queues_for(request.user, HOME_QUEUES, name):
            label, narrow = REVIEW_QUEUES[key]
            count = narrow(model.objects.all(), request.user, today).count()
            rows.append(
                {
                    "label": f"{kind}{label.lower()}" if kind else label,
                    "count": count,
                    "url": f"{base}?queue={key}",
                }
            )
    return rows


@register.simple_tag
def feedback_queues(request: HttpRequest) -> list[dict]:
    """Counts and links for the reader feedback box on the admin home page."""
    return feedback_queue_counts(request.user, timezone.localdate())

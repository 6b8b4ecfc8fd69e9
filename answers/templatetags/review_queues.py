"""The review box on the admin home page: counts of each review queue."""

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from answers.models import Question
from answers.queues import HOME_QUEUES, REVIEW_QUEUES

register = template.Library()


@register.simple_tag
def review_queues(request: HttpRequest) -> list[dict]:
    """Counts and links for the review box on the admin home page."""
    if not request.user.has_perm("answers.view_question"):
        return []
    today = timezone.localdate()
    base = reverse("admin:answers_question_changelist")
    rows = []
    for key in HOME_QUEUES:
        label, narrow = REVIEW_QUEUES[key]
        count = narrow(Question.objects.all(), request.user, today).count()
        rows.append({"label": label, "count": count, "url": f"{base}?queue={key}"})
    return rows

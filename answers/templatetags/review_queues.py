from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from answers.models import Question, Status

register = template.Library()


@register.simple_tag
def review_queues(request: HttpRequest) -> list[dict]:
    """Counts and links for the review box on the admin home page."""
    if not request.user.has_perm("answers.view_question"):
        return []
    today = timezone.localdate()
    base = reverse("admin:answers_question_changelist")
    questions = Question.objects.all()
    queues = [
        ("mine", "Awaiting my review", questions.awaiting_review_by(request.user)),
        (
            "changes",
            "Changes requested",
            questions.filter(status=Status.CHANGES_REQUESTED),
        ),
        ("overdue", "Overdue for review", questions.overdue(today)),
        ("due30", "Due in 30 days", questions.due_within(30, today)),
    ]
    return [
        {"label": label, "count": queryset.count(), "url": f"{base}?queue={key}"}
        for key, label, queryset in queues
    ]

"""Community blocks on the reviewed-answer pages: counts and the latest posts.

Each block runs two queries (the count and a few posts), whatever the numbers.
"""

from django import template
from django.http import HttpRequest
from django.urls import reverse

from answers.models import Condition, Question
from community.map import chart, country_counts
from community.models import Experience
from community.queues import MODERATION_QUEUES

register = template.Library()

LATEST = 3


@register.inclusion_tag("community/includes/question_block.html", takes_context=True)
def question_experiences(context, question: Question) -> dict:
    published = Experience.objects.published().filter(question=question)
    return {
        "request": context.get("request"),
        "question": question,
        "condition": question.condition,
        "count": published.sharer_count(),
        "latest": published.select_related("author")[:LATEST],
    }


@register.inclusion_tag("community/includes/condition_block.html", takes_context=True)
def condition_experiences(context, condition: Condition) -> dict:
    published = Experience.objects.published().filter(condition=condition)
    return {
        "request": context.get("request"),
        "condition": condition,
        "count": published.sharer_count(),
        "latest": published.select_related(
            "author", "question__live_revision", "question__condition"
        )[:LATEST],
    }


@register.inclusion_tag("community/includes/condition_map.html")
def condition_map(condition: Condition) -> dict:
    return {"condition": condition, "chart": chart(country_counts(condition))}


@register.simple_tag
def moderation_queues(request: HttpRequest) -> list[dict]:
    """Counts and links for the moderation box on the admin home page."""
    if not request.user.has_perm("community.moderate_experience"):
        return []
    base = reverse("admin:community_experience_changelist")
    return [
        {
            "label": label,
            "count": narrow(Experience.objects.all()).count(),
            "url": f"{base}?queue={key}",
        }
        for key, (label, narrow) in MODERATION_QUEUES.items()
    ]

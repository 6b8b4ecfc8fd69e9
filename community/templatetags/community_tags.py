"""The moderation box on the admin home page. (The community blocks on public
pages are public/templatetags/community_blocks.py.)"""

from django import template
from django.http import HttpRequest
from django.urls import reverse

from community.models import Experience
from community.queues import MODERATION_QUEUES, medical_review_queue

register = template.Library()


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


@register.simple_tag
def medical_review_work(request: HttpRequest) -> dict | None:
    """The medical reviewers' queue of posts, on the admin home page."""
    if not request.user.has_perm("answers.review_question"):
        return None
    return {
        "label": "Posts a moderator sent for a medical look",
        "count": medical_review_queue(Experience.objects.all()).count(),
        "url": reverse("admin:community_experience_medical_queue"),
    }

"""Community blocks on the reviewed-answer pages: counts, the latest posts and
the map of where members live.

Each post block runs one query (a few posts, with the count of who shared),
whatever the numbers; only published posts, so nothing members-only reaches a page that
anonymous readers get (and that is stored for them, public/pages.py).
"""

from django import template

from answers.models import Condition, Question
from community.models import Experience
from public.community_map import chart, country_counts

register = template.Library()

LATEST = 3


def _block(context, published, **shown) -> dict:
    """How many distinct members shared, and the latest few posts."""
    latest, count = published.latest_with_sharer_count(LATEST)
    return {
        "request": context.get("request"),
        "count": count,
        "latest": latest,
        **shown,
    }


@register.inclusion_tag("public/includes/community_question.html", takes_context=True)
def question_experiences(context, question: Question) -> dict:
    published = Experience.objects.published().filter(question=question)
    return _block(
        context,
        # The reviewer of a note above a post comes in the same query.
        published.select_related("author", "reviewer_note_by"),
        question=question,
        condition=question.condition,
    )


@register.inclusion_tag("public/includes/community_condition.html", takes_context=True)
def condition_experiences(context, condition: Condition) -> dict:
    published = Experience.objects.published().filter(condition=condition)
    return _block(
        context,
        published.select_related(
            "author",
            "question__live_revision",
            "question__condition",
            "reviewer_note_by",
        ),
        condition=condition,
    )


@register.inclusion_tag("public/includes/community_map.html")
def condition_map(condition: Condition) -> dict:
    return {"condition": condition, "chart": chart(country_counts(condition))}

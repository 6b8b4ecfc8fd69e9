"""Community blocks on the reviewed-answer pages: counts, the latest posts and
the map of where members live.

Each post block runs one query (a few posts, with the count of who shared),
whatever the numbers; only published posts, so nothing members-only reaches a page that
anonymous readers get (and that is stored for them, public/pages.py).
"""

from django import template

from answers.models import Condition, Question
from community.models import Experience
from community.services.mutes import muted_member_ids
from public.community_map import chart, country_counts

register = template.Library()

LATEST = 3


def _block(context, published, **shown) -> dict:
    """How many distinct members shared, and the latest few posts."""
    latest, count = published.latest_with_sharer_count(LATEST)
    # A logged-in reader's mutes (one query per request, none for anonymous
    # readers, whose pages are the only ones stored): the posts of muted
    # members are left out and a line says so. The count stays everyone's.
    request = context.get("request")
    muted = muted_member_ids(getattr(request, "user", None))
    kept = [post for post in latest if post.author_id not in muted]
    return {
        "request": request,
        "count": count,
        "latest": kept,
        "muted_hidden": len(latest) - len(kept),
        **shown,
    }


@register.inclusion_tag("public/includes/community_question.html", takes_context=True)
def question_experiences(context, question: Question) -> dict:
    published = Experience.objects.published().filter(question=question)
    return _block(
        context,
        published.select_related("author"),
        question=question,
        condition=question.condition,
    )


@register.inclusion_tag("public/includes/community_condition.html", takes_context=True)
def condition_experiences(context, condition: Condition) -> dict:
    published = Experience.objects.published().filter(condition=condition)
    return _block(
        context,
        published.select_related(
            "author", "question__live_revision", "question__condition"
        ),
        condition=condition,
    )


@register.inclusion_tag("public/includes/community_map.html")
def condition_map(condition: Condition) -> dict:
    return {"condition": condition, "chart": chart(country_counts(condition))}

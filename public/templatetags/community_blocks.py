# ruff: noqa: E501 - each line of the map's HTML stays whole, as the page prints it
"""Community blocks on the reviewed-answer pages: counts, the latest posts and
the map of where members live.

Each post block runs one query (a few posts, with the count of who shared),
whatever the numbers. Anonymous readers get public posts only, and how many
posts only members can read, so nothing members-only reaches a page that
anonymous readers get (and that is stored for them, public/pages.py); a
logged-in member gets every published post, on a page rendered for them alone
(never stored: public/caching.py).
"""

from django import template
from django.utils.safestring import SafeString

from answers.models import Condition, Question
from community.models import Experience, public_with_counts, sees_members_only
from community.services.mutes import muted_member_ids
from community.templatetags.post_html import POST_COLUMNS, QUESTION_COLUMNS
from diseasemaps.lib.fast_html import e, safe
from diseasemaps.lib.prepared import Prepared
from diseasemaps.lib.template_filters import clip, remembered_reverse
from public.community_map import chart, country_counts

register = template.Library()

LATEST = 3


def _block(context, published, for_anyone, **shown) -> dict:
    """How many distinct members shared, the latest few posts the reader may
    read, and how many more only members can read. `published()` is every
    published post of the block (`for_members`); `for_anyone()` the rows of
    its `latest_public_rows`, for a reader who is not a member."""
    request = context.get("request")
    if sees_members_only(getattr(request, "user", None)):
        latest, count = published().latest_with_sharer_count(LATEST)
        members_only = 0
    else:
        latest, count, members_only = public_with_counts(for_anyone())
    # A logged-in reader's mutes (one query per request, none for anonymous
    # readers, whose pages are the only ones stored): the posts of muted
    # members are left out and a line says so. The count stays everyone's.
    muted = muted_member_ids(getattr(request, "user", None))
    kept = [post for post in latest if post.author_id not in muted]
    return {
        "request": request,
        "count": count,
        "latest": kept,
        "members_only": members_only,
        "muted_hidden": len(latest) - len(kept),
        **shown,
    }


def _question_posts(question_id: int):
    # The reviewer of a note above a post comes in the same query.
    return (
        Experience.objects.for_members()
        .filter(question_id=question_id)
        .select_related("author", "reviewer_note_by")
        .only(*POST_COLUMNS)
    )


def _condition_posts(condition_id: int):
    return (
        Experience.objects.for_members()
        .filter(condition_id=condition_id)
        .select_related(
            "author",
            "question__live_revision",
            "question__condition",
            "reviewer_note_by",
        )
        .only(
            *POST_COLUMNS,
            *QUESTION_COLUMNS,
        )
    )


# What anonymous readers get, and every stored page: SQL built once per
# process (diseasemaps/lib/prepared.py).
_QUESTION_POSTS_FOR_ANYONE = Prepared(
    "a question's latest public posts, with the counts",
    lambda question_id: _question_posts(question_id).latest_public_rows(LATEST),
    question_id=int,
)
_CONDITION_POSTS_FOR_ANYONE = Prepared(
    "a condition's latest public posts, with the counts",
    lambda condition_id: _condition_posts(condition_id).latest_public_rows(LATEST),
    condition_id=int,
)


@register.inclusion_tag("public/includes/community_question.html", takes_context=True)
def question_experiences(context, question: Question) -> dict:
    return _block(
        context,
        lambda: _question_posts(question.pk),
        lambda: _QUESTION_POSTS_FOR_ANYONE(question_id=question.pk),
        question=question,
        condition=question.condition,
    )


@register.inclusion_tag("public/includes/community_condition.html", takes_context=True)
def condition_experiences(context, condition: Condition) -> dict:
    return _block(
        context,
        lambda: _condition_posts(condition.pk),
        lambda: _CONDITION_POSTS_FOR_ANYONE(condition_id=condition.pk),
        condition=condition,
    )


@register.simple_tag
def condition_map(condition: Condition) -> SafeString:
    """Where members live, as bars and as a table (the same numbers). Written
    in Python like public/templatetags/fragments.py: the template it replaced
    cost about a thousand calls a page. public/tests/reference/
    community_map.html is that template, and public/tests/test_map_html.py
    compares the two, character for character."""
    return map_html(condition.public_name, chart(country_counts(condition)))


def map_html(condition_name: str, drawn: dict) -> SafeString:
    rows = drawn["rows"]
    if rows:
        label_width, text_y = drawn["label_width"], drawn["text_y"]
        bar_height = drawn["bar_height"]
        total = drawn["total"]
        members = "member" if total == 1 else "members"
        bars = "".join(
            f'\n      <g class="map-row" data-label="{e(row.label)}" data-count="{row.count}" transform="translate(0 {row.y})">\n'
            f'        <text x="0" y="{text_y}" class="map-label">{e(clip(row.label, 22))}</text>\n'
            f'        <rect x="{label_width}" y="0" width="{row.width}" height="{bar_height}" rx="3" class="map-bar"></rect>\n'
            f'        <text x="{label_width + row.width + 6}" y="{text_y}" class="map-value">{row.count}</text>\n'
            "      </g>\n      "
            for row in rows
        )
        table = "".join(
            f'<tr><th scope="row">{e(row.label)}</th><td class="text-end">{row.count}</td></tr>'
            for row in rows
        )
        shown = (
            '\n  <figure class="mb-2">\n'
            f'    <svg class="map-chart" viewBox="0 0 {drawn["width"]} {drawn["height"]}" width="100%" role="img" aria-labelledby="map-title" focusable="false">\n'
            f'      <title id="map-title">At least {total} {members} with {e(condition_name)}, by country</title>\n'
            f"      {bars}\n"
            "    </svg>\n"
            '    <figcaption class="small text-body-secondary">The same numbers as the table below.</figcaption>\n'
            "  </figure>\n"
            '  <table class="table table-sm map-table">\n'
            '    <caption class="visually-hidden">Members by country</caption>\n'
            '    <thead><tr><th scope="col">Country</th><th scope="col" class="text-end">Members</th></tr></thead>\n'
            "    <tbody>\n"
            f"      {table}\n"
            "    </tbody>\n"
            "  </table>\n  "
        )
    else:
        shown = "\n  <p>Not enough members have chosen to be counted yet.</p>\n  "
    return safe(
        "\n"
        '<section class="member-map" aria-labelledby="map-heading">\n'
        '  <h2 id="map-heading">Where members live</h2>\n'
        f"  {shown}\n"
        '  <p class="small">We count only members who chose to be, by the country they gave; '
        "countries with fewer than 10 of them are grouped as “Other countries”, and every "
        "number is rounded down to a multiple of 5, so no one can be singled out. "
        f'<a href="{e(remembered_reverse("public:editorial_policy"))}#how-we-count">How we count</a></p>\n'
        "</section>\n"
    )

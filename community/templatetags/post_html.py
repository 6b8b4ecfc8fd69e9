# ruff: noqa: E501 - each line of HTML stays whole, as the page prints it
"""One member post as HTML, written in Python: `{% experience_post post %}`.

A post is on every experiences page (ten of them), in the community block of
every answer and condition page (up to three) and on the report forms. As an
included template it cost Django's template engine about 700 calls a post,
a sixth of a fresh answer page and most of an experiences page. This tag
prints the same characters: community/tests/reference/experience.html and
reviewer_note.html are the templates it replaced, and
community/tests/test_post_html.py renders both for every state a post can be
in and compares them, whitespace included. A change to the markup is made
here and in those reference templates together.

Member text is only ever output through `body_safe_html` (nh3, when the post
was saved); everything else is escaped as `{{ value }}` escapes it.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

from community.models import ExperienceStatus
from diseasemaps.lib.fast_html import e, safe
from diseasemaps.lib.template_filters import iso_date, remembered_reverse

register = template.Library()

# What {% experience_post %} reads of a post, its author and its reviewer's
# note: a query for posts to show loads these (`.only(*POST_COLUMNS)`, with
# select_related("author", "reviewer_note_by")), and QUESTION_COLUMNS too
# (with select_related("question__live_revision", "question__condition"))
# where the post's question is shown. The posts' other columns (the text before
# rendering, moderation and privacy fields) stay in the database, and so does
# the ORM's work of loading them.
POST_COLUMNS = (
    "author_id",
    "condition_id",
    "question_id",
    "relation",
    "body_html",
    "status",
    "audience",
    "published_at",
    "reviewer_note",
    "reviewer_note_at",
    "reviewer_note_by_id",
    "author__pseudonym",
    "author__is_former",
    "author__user_id",
    "reviewer_note_by__display_name",
    "reviewer_note_by__slug",
)
QUESTION_COLUMNS = (
    "question__condition__public_slug",
    "question__condition__slug",
    "question__live_revision__question_text",
    "question__live_revision__slug",
)

_CSRF = CsrfTokenNode()
_MEMBERS_ONLY = '<strong class="audience-badge">Members only</strong> · '


def _reviewer_note(post) -> str:
    if not post.shows_reviewer_note:
        return "\n\n"
    at = template_localtime(post.reviewer_note_at)
    reviewer = post.reviewer_note_by
    return (
        "\n\n"
        '  <aside class="reviewer-note alert alert-info small mb-2" aria-label="Note from a medical reviewer">\n'
        f'    <p class="mb-0"><strong>Note from <a href="{e(reviewer.get_absolute_url())}">{e(reviewer.display_name)}</a>, '
        f'medical reviewer, <time datetime="{e(date_filter(at, "Y-m-d"))}">{e(date_filter(at, "j F Y"))}</time>:</strong> '
        f"{e(post.reviewer_note)}</p>\n"
        "  </aside>\n"
        "\n"
    )


@register.simple_tag
def reviewer_note(post) -> SafeString:
    """A medical reviewer's note above a post (community.services.
    medical_review), or nothing: plain text, escaped."""
    return safe(_reviewer_note(post))


def _status(post) -> str:
    if post.status == ExperienceStatus.PUBLISHED:
        on = e(iso_date(template_localtime(post.published_at)))
        return f'<time datetime="{on}">{on}</time>'
    if post.status == ExperienceStatus.REDACTED:
        return (
            '<strong class="status-badge">A moderator suggests changes (see '
            f'<a href="{e(remembered_reverse("community:me"))}">your page</a>): only you can see this</strong>'
        )
    return f'<strong class="status-badge">{e(post.get_status_display())}: only you can see this</strong>'


def _report(context, post, name: str, muted: bool) -> str:
    pk = post.pk
    html = (
        "\n    "
        f'<p class="small mb-0"><a href="{e(remembered_reverse("community:report", [pk]))}">Report this post</a>'
    )
    if not post.author.is_former:
        request = context.get("request")
        html += (
            f'\n      · <a href="{e(remembered_reverse("community:report_author", [pk]))}">Report {name}</a>'
            f'\n      · <form method="post" action="{e(remembered_reverse("community:mute_author", [pk]))}" class="d-inline mute-form">'
            f"{_CSRF.render(context)}\n"
            f'        <input type="hidden" name="next" value="{e(request.get_full_path()) if request is not None else ""}">\n'
            f'        <input type="hidden" name="action" value="{"unmute" if muted else "mute"}">\n'
            '        <button type="submit" class="btn btn-link btn-sm p-0 align-baseline">'
            f"{'Unmute' if muted else 'Mute'} {name}</button></form>"
        )
    return html + "</p>\n  "


@register.simple_tag(takes_context=True)
def experience_post(
    context, post, *, show_question: bool = False, can_report: bool = False
) -> SafeString:
    pk = e(post.pk)
    name = e(post.author.display_name)
    muted = bool(getattr(post, "muted", False))
    question = ""
    if show_question and post.question_id is not None:
        asked = post.question
        question = (
            f' · on <a href="{e(asked.get_absolute_url())}">'
            f"{e(asked.live_revision.question_text)}</a>"
        )
    report = ""
    if can_report and post.status == ExperienceStatus.PUBLISHED:
        request = context.get("request")
        user = getattr(request, "user", None)
        if post.author.user_id != getattr(user, "pk", None):
            report = _report(context, post, name, muted)
    return safe(
        "\n"
        f'<article class="experience" id="experience-{pk}" aria-labelledby="experience-{pk}-by">\n'
        f"  {_reviewer_note(post)}\n"
        '  <p class="experience-label small mb-1">Personal experience, not medical advice'
        f"{' · <strong>from a member you muted</strong>' if muted else ''}</p>\n"
        f'  <h3 class="h6 mb-1" id="experience-{pk}-by">{name}\n'
        f'    <span class="text-body-secondary fw-normal">· {e(str(post.get_relation_display()).lower())}</span></h3>\n'
        '  <p class="small text-body-secondary mb-2">\n'
        f"    {_MEMBERS_ONLY if post.members_only else ''}{_status(post)}\n"
        f"    {question}\n"
        "  </p>\n"
        f'  <div class="experience-body">{post.body_safe_html}</div>\n'
        f"  {report}\n"
        "</article>\n"
    )

# ruff: noqa: E501 - each line of HTML stays whole, as the page prints it
"""The repeated parts of a fresh answer or condition page, written in Python.

A question list, a condition's codes and their sources, the corrections and
the breadcrumb trail print a few values a line for a few to a few dozen
lines. As included templates they cost Django's template engine about two
hundred calls a line (a context push, a variable lookup and a filter for every
value), a third of a fresh answer page's render. Here each is a tag that
builds the same characters with `conditional_escape`: every value is escaped
exactly as `{{ value }}` would escape it, and public/tests/
test_rendered_html_pinned.py pins the HTML, whitespace included, as the
templates printed it.

Keep markup changes here and in those pins; the pages that use these tags are
templates/public/answer_detail.html and condition_detail.html.
"""

from django import template
from django.utils.safestring import SafeString
from django.utils.timezone import template_localtime

from diseasemaps.lib.fast_html import e, safe
from diseasemaps.lib.template_filters import iso_date, remembered_reverse

register = template.Library()


@register.simple_tag
def question_list(
    topics,
    *,
    level: int = 2,
    heading_class: str = "h4",
    id_suffix: str = "",
    show_short_answers: bool = False,
) -> SafeString:
    """Live questions grouped by topic: `topics` is [(label, [line, …]), …],
    each line a dict of url, question_text, short_answer and reviewed
    (public/views.py, _by_topic)."""
    level, heading_class, suffix = e(level), e(heading_class), e(id_suffix)
    parts = ["\n"]
    for counter, (topic, questions) in enumerate(topics, start=1):
        anchor = f"topic-{counter}{suffix}"
        parts.append(
            f'\n  <section class="topic" aria-labelledby="{anchor}">\n'
            f'    <h{level} id="{anchor}" class="{heading_class}">{e(topic)}</h{level}>\n'
            '    <ul class="list-unstyled question-list">\n      '
        )
        for question in questions:
            reviewed = e(question["reviewed"])
            short = (
                f'<p class="mb-1">{e(question["short_answer"])}</p>'
                if show_short_answers
                else ""
            )
            parts.append(
                "\n        <li>\n"
                f'          <a href="{e(question["url"])}">{e(question["question_text"])}</a>\n'
                f"          {short}\n"
                '          <small class="text-body-secondary">Reviewed '
                f'<time datetime="{reviewed}">{reviewed}</time></small>\n'
                "        </li>\n      "
            )
        parts.append("\n    </ul>\n  </section>\n")
    parts.append("\n")
    return safe("".join(parts))


@register.simple_tag
def condition_codes(codes) -> SafeString:
    """The codes of approved facts (`codes`: ConditionRevision.code_list),
    each with its exact system, the source's name for it and the release it
    was checked against."""
    parts = ['\n<ul class="list-unstyled mb-0 condition-codes">\n  ']
    for code in codes:
        system, value = e(code.system), e(code.code)
        shown = (
            f'<a href="{e(code.url)}" rel="noopener noreferrer" class="code-value">{value}</a>'
            if code.url
            else f'<span class="code-value">{value}</span>'
        )
        parts.append(
            f'<li class="condition-code" data-system="{system}" data-code="{value}">'
            f'<span class="code-system">{system}</span> {shown}: '
            f'<span class="code-name">{e(code.name)}</span> '
            '<span class="code-release small text-body-secondary">'
            f"(checked against {system} release {e(code.release)})</span></li>\n  "
        )
    parts.append("\n</ul>\n")
    return safe("".join(parts))


@register.simple_tag
def code_sources(sources) -> SafeString:
    """The attribution each terminology source asks for wherever its names
    and codes appear (`sources`: ConditionRevision.code_sources)."""
    if not sources:
        return safe("\n\n")
    spans = []
    for source in sources:
        licence = (
            f' (<a href="{e(source.licence_url)}" rel="noopener noreferrer license">'
            f"{e(source.licence)}</a>)"
            if source.licence_url
            else ""
        )
        spans.append(
            f'<span class="code-source" data-system="{e(source.system)}">'
            f"{e(source.attribution)}{licence}</span>"
        )
    return safe(
        '\n<p class="code-sources small text-body-secondary">'
        "<strong>Sources of names and codes:</strong> "
        f"{' '.join(spans)}</p>\n"
    )


@register.simple_tag
def corrections_section(corrections) -> SafeString:
    """ "Corrections and updates": every approval and re-certification of
    this answer, newest first, as reviewers approved them
    (public/feedback.py, corrections_for). Never a draft's summary."""
    if not corrections:
        return safe("\n\n")
    parts = [
        '\n\n<section aria-labelledby="corrections-heading" class="corrections">\n'
        '  <h2 id="corrections-heading" class="h5">Corrections and updates</h2>\n'
        '  <ul class="corrections-list small">\n    '
    ]
    for entry in corrections:
        on = e(iso_date(template_localtime(entry.on)))
        parts.append(
            f'\n      <li><time datetime="{on}">{on}</time>: {e(entry.text)}</li>\n    '
        )
    parts.append(
        "\n  </ul>\n"
        '  <p class="small text-body-secondary mb-0">'
        f'<a href="{e(remembered_reverse("public:corrections"))}">All corrections and updates</a> · '
        f'<a href="{e(remembered_reverse("public:editorial_policy"))}#feedback">How we handle reports</a></p>\n'
        "</section>\n\n"
    )
    return safe("".join(parts))


@register.simple_tag
def breadcrumb(items) -> SafeString:
    """The trail above an answer: `items` is [(name, path), …], the page
    itself last (public/structured_data.py, breadcrumb_items, whose JSON-LD
    lists the same items)."""
    parts = ['<nav aria-label="Breadcrumb">\n  <ol class="breadcrumb small">\n    ']
    last = len(items) - 1
    for index, (name, path) in enumerate(items):
        if index == last:
            parts.append(
                '\n      <li class="breadcrumb-item active" aria-current="page">'
                f"{e(name)}</li>\n      \n    "
            )
        else:
            parts.append(
                f'\n      <li class="breadcrumb-item"><a href="{e(path)}">{e(name)}</a></li>\n    '
            )
    parts.append("\n  </ol>\n</nav>\n")
    return safe("".join(parts))

"""Public pages. They read only approved revisions (`Question.objects.published()`)
and run a fixed number of queries, however many answers a condition has. Answer
and condition pages are stored once rendered (public/pages.py)."""

from itertools import groupby

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static

from answers.models import (
    Condition,
    Question,
    Redirect,
    Reviewer,
    ReviewEvent,
    Topic,
)
from diseasemaps.lib.markdown import render_answer
from public import pages, structured_data
from public import search as site_search

TOPIC_ORDER = {value: position for position, value in enumerate(Topic.values)}


def _live_questions():
    return Question.objects.published().select_related(
        "live_revision", "last_review", "condition"
    )


def _question_list(condition: Condition):
    """A condition's live questions with what a list of them shows.

    Through the condition's own manager, so each question already knows its
    condition (no join, no query for its URL); the drafts and the long
    answer texts stay in the database.
    """
    return (
        condition.questions.published()
        .select_related("live_revision", "last_review")
        .only(
            "condition",
            "live_revision__slug",
            "live_revision__topic",
            "live_revision__order",
            "live_revision__question_text",
            "live_revision__short_answer",
            "last_review__created_at",
        )
    )


def _by_topic(questions) -> list[tuple[str, list[Question]]]:
    """Questions grouped under their approved topics, topics in reading order."""

    def place(question: Question) -> tuple[int, int, int]:
        live = question.live_revision
        return (TOPIC_ORDER[live.topic], live.order, question.pk)

    ordered = sorted(questions, key=place)
    return [
        (Topic(topic).label, list(group))
        for topic, group in groupby(ordered, key=lambda q: q.live_revision.topic)
    ]


def _with_answer_counts(conditions):
    """Conditions with live answers, counted, carrying only what lists show."""
    return (
        conditions.filter(questions__live_revision__isnull=False)
        .annotate(answer_count=Count("questions"))
        .only("name", "slug", "acronym")
    )


# The home page lists the conditions with the most answers, not all 7,000.
HOME_CONDITIONS = 24
# Above this many conditions the A–Z index shows one letter at a time: the whole
# list would be over a megabyte of HTML on a reader's phone.
INDEX_ALL_LIMIT = 500


def home(request: HttpRequest) -> HttpResponse:
    conditions = _with_answer_counts(Condition.objects.all()).order_by(
        "-answer_count", "name"
    )[:HOME_CONDITIONS]
    recent = _recently_reviewed(8)
    return render(
        request,
        "public/home.html",
        {
            "conditions": sorted(conditions, key=lambda c: c.name.casefold()),
            "recent": recent,
        },
    )


def _recently_reviewed(count: int) -> list[Question]:
    """The live questions most recently approved or re-certified.

    Walks the review events newest first (their created_at index) and stops at
    the first `count` that are some live question's latest review; sorting every
    live question by its review date instead costs seconds at 100,000 answers.
    """
    events = (
        ReviewEvent.objects.filter(
            Exists(Question.objects.published().filter(last_review=OuterRef("pk")))
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:count]
    )
    questions = _live_questions().filter(last_review__in=list(events))
    return sorted(
        questions, key=lambda q: (q.last_review.created_at, q.pk), reverse=True
    )


def _initial(name: str) -> str:
    return name[:1].upper()


def condition_index(request: HttpRequest) -> HttpResponse:
    conditions = _with_answer_counts(Condition.objects.all()).order_by("name")
    names = list(conditions.values_list("name", flat=True))
    all_letters = sorted({_initial(name) for name in names})
    letter = None
    if len(names) > INDEX_ALL_LIMIT:
        asked = request.GET.get("letter", "")[:1].upper()
        letter = asked if asked in all_letters else all_letters[0]
        conditions = conditions.filter(name__istartswith=letter)
    letters = [
        (initial, list(group))
        for initial, group in groupby(conditions, key=lambda c: _initial(c.name))
    ]
    return render(
        request,
        "public/condition_index.html",
        {
            "letters": letters,
            "all_letters": all_letters,
            "letter": letter,
            "condition_total": len(names),
        },
    )


def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = pages.find(request)
    if found is not None and found.html is not None:
        return pages.respond(found.html, stored="hit")
    condition = get_object_or_404(
        Condition.objects.published().prefetch_related("codes", "criteria"), slug=slug
    )
    questions = _question_list(condition)
    html = pages.render(
        request,
        "public/condition_detail.html",
        {
            "condition": condition,
            "summary_html": render_answer(condition.summary),
            "criteria": [criteria.snapshot() for criteria in condition.criteria.all()],
            "topics": _by_topic(questions),
            "answer_count": len(questions),
            "canonical_url": structured_data.absolute(condition.get_absolute_url()),
            "json_ld": structured_data.as_script(
                structured_data.condition_page(condition)
            ),
        },
    )
    if found is not None:
        pages.store(found, html, condition=condition)
    return pages.respond(html, stored="none" if found is None else "miss")


def answer_detail(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    found = pages.find(request)
    if found is not None and found.html is not None:
        due = found.next_review_due
        return pages.respond(found.html, next_review_due=due, stored="hit")
    question = (
        Question.objects.published()
        .select_related(
            "condition", "live_revision", "last_review", "last_review__reviewer"
        )
        .prefetch_related("condition__codes")
        # The public page shows the approved revision, never the draft.
        .defer("short_answer", "body", "condition__summary")
        .filter(condition__slug=condition_slug, live_revision__slug=slug)
        .first()
    )
    if question is None:
        return _moved_or_gone(request, condition_slug, slug)
    others = _question_list(question.condition).exclude(pk=question.pk)
    html = pages.render(
        request,
        "public/answer_detail.html",
        {
            "question": question,
            "condition": question.condition,
            "revision": question.live_revision,
            "review": question.last_review,
            "others": _by_topic(others),
            "breadcrumbs": structured_data.breadcrumb_items(question),
            "canonical_url": structured_data.absolute(question.get_absolute_url()),
            "json_ld": structured_data.as_script(structured_data.answer_page(question)),
        },
    )
    if found is not None:
        pages.store(found, html, condition=question.condition, question=question)
    return pages.respond(
        html,
        next_review_due=question.next_review_due,
        stored="none" if found is None else "miss",
    )


def _moved_or_gone(
    request: HttpRequest, condition_slug: str, slug: str
) -> HttpResponse:
    """No live answer is at this address. An address that an approved slug
    change left behind answers 301 to the answer's address now; one whose
    answer was taken off the site, 410; any other, 404."""
    moved = (
        Redirect.objects.filter(
            condition__slug=condition_slug, question__isnull=False, old_slug=slug
        )
        .select_related("question__condition", "question__live_revision")
        .first()
    )
    question = moved.question if moved else None
    if question is not None and question.is_live:
        return HttpResponsePermanentRedirect(question.get_absolute_url())
    if question is None:
        question = (
            Question.objects.filter(
                condition__slug=condition_slug, revisions__slug=slug
            )
            .select_related("condition")
            .first()
        )
    if question is not None and not question.is_live:
        return render(request, "public/gone.html", {"question": question}, status=410)
    # Never published: to the public it does not exist.
    raise Http404("No such answer.")


def reviewer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    reviewer = get_object_or_404(Reviewer, slug=slug)
    # Answers whose live version they approved, or that they last re-certified.
    reviewed = (
        _live_questions()
        .filter(Q(last_review__reviewer=reviewer) | Q(live_revision__reviewer=reviewer))
        .order_by("condition__name", "pk")
    )
    return render(
        request,
        "public/reviewer_detail.html",
        {
            "reviewer": reviewer,
            "reviewed": reviewed,
            "canonical_url": structured_data.absolute(reviewer.get_absolute_url()),
        },
    )


def _search_examples() -> list[str]:
    """Searches that work on this site: condition names, and a question."""
    conditions = Condition.objects.published().order_by("name")[:3]
    return [c.acronym or c.name for c in conditions] + ["is it contagious"]


def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=: live answers only, whatever is typed (never an error page)."""
    results = site_search.search(request.GET.get("q", ""))
    examples = [] if results.hits else _search_examples()
    response = render(
        request, "public/search.html", {"results": results, "examples": examples}
    )
    # Result pages are endless and thin: search engines should index the
    # answers themselves (the page also says so in a robots meta tag).
    response["X-Robots-Tag"] = "noindex"
    return response


def editorial_policy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/editorial_policy.html",
        {"default_interval": settings.DEFAULT_REVIEW_INTERVAL_DAYS},
    )


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on every site, admin pages included.
    return HttpResponseRedirect(static("favicon.svg"))

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
    """Conditions with live answers, counted, carrying only what lists show:
    the approved name and address, and the acronym of the approved facts."""
    return (
        conditions.filter(questions__live_revision__isnull=False)
        .annotate(answer_count=Count("questions"))
        .select_related("live_revision")
        .only("slug", "public_name", "public_slug", "live_revision__acronym")
    )


# The home page lists the conditions with the most answers, not all 7,000.
HOME_CONDITIONS = 24
# Above this many conditions the A–Z index shows one letter at a time: the whole
# list would be over a megabyte of HTML on a reader's phone.
INDEX_ALL_LIMIT = 500


def home(request: HttpRequest) -> HttpResponse:
    conditions = _with_answer_counts(Condition.objects.all()).order_by(
        "-answer_count", "public_name"
    )[:HOME_CONDITIONS]
    recent = _recently_reviewed(8)
    return render(
        request,
        "public/home.html",
        {
            "conditions": sorted(conditions, key=lambda c: c.public_name.casefold()),
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
    conditions = _with_answer_counts(Condition.objects.all()).order_by("public_name")
    names = list(conditions.values_list("public_name", flat=True))
    all_letters = sorted({_initial(name) for name in names})
    letter = None
    if len(names) > INDEX_ALL_LIMIT:
        asked = request.GET.get("letter", "")[:1].upper()
        letter = asked if asked in all_letters else all_letters[0]
        conditions = conditions.filter(public_name__istartswith=letter)
    letters = [
        (initial, list(group))
        for initial, group in groupby(conditions, key=lambda c: _initial(c.public_name))
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


def condition_html(request: HttpRequest, condition: Condition, facts) -> str:
    """The condition page: its approved facts (`facts`, a ConditionRevision,
    or None when they were never approved) and its live answers. Readers get
    it with the live revision; the review screen with the pending one."""
    questions = _question_list(condition)
    return pages.render(
        request,
        "public/condition_detail.html",
        {
            "condition": condition,
            "facts": facts,
            "topics": _by_topic(questions),
            "answer_count": len(questions),
            "canonical_url": structured_data.absolute(condition.get_absolute_url()),
            "json_ld": structured_data.as_script(
                structured_data.condition_page(condition, facts)
            ),
        },
    )


def _public_condition(
    slug: str, *, with_answers: bool = True
) -> tuple[Condition | None, bool]:
    """The public condition at `slug` (with live answers, unless asked not to
    care), and whether `slug` is an address its approved slug change left
    behind."""
    conditions = Condition.objects.published() if with_answers else Condition.objects
    condition = (
        conditions.select_related(
            "live_revision", "last_review", "last_review__reviewer"
        )
        .filter(public_slug=slug)
        .first()
    )
    if condition is not None:
        return condition, False
    moved = (
        Redirect.objects.filter(question__isnull=True, old_slug=slug)
        .select_related("condition")
        .first()
    )
    if moved is not None and moved.condition.public_slug:
        return moved.condition, True
    return None, False


def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = pages.find(request)
    if found is not None and found.html is not None:
        due = found.next_review_due
        return pages.respond(found.html, next_review_due=due, stored="hit")
    condition, moved = _public_condition(slug)
    if condition is None:
        raise Http404("No such condition.")
    if moved:
        return HttpResponsePermanentRedirect(condition.get_absolute_url())
    html = condition_html(request, condition, condition.live_revision)
    if found is not None:
        pages.store(found, html, condition=condition)
    return pages.respond(
        html,
        next_review_due=condition.next_review_due,
        stored="none" if found is None else "miss",
    )


def answer_html(
    request: HttpRequest, question: Question, revision, review, facts
) -> str:
    """The answer page: `revision` (an AnswerRevision) as approved by `review`
    (its approval or re-certification), with the condition's approved facts
    (`facts`). Readers get the live ones; the review screen the pending ones."""
    others = _question_list(question.condition).exclude(pk=question.pk)
    return pages.render(
        request,
        "public/answer_detail.html",
        {
            "question": question,
            "condition": question.condition,
            "facts": facts,
            "revision": revision,
            "review": review,
            "others": _by_topic(others),
            "breadcrumbs": structured_data.breadcrumb_items(question, revision),
            "canonical_url": structured_data.absolute(question.get_absolute_url()),
            "json_ld": structured_data.as_script(
                structured_data.answer_page(question, revision, review, facts)
            ),
        },
    )


def answer_detail(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    found = pages.find(request)
    if found is not None and found.html is not None:
        due = found.next_review_due
        return pages.respond(found.html, next_review_due=due, stored="hit")
    question = (
        Question.objects.published()
        .select_related(
            "condition",
            "condition__live_revision",
            "live_revision",
            "last_review",
            "last_review__reviewer",
        )
        # The public page shows the approved revisions, never the drafts.
        .defer("short_answer", "body", "condition__summary")
        .filter(condition__public_slug=condition_slug, live_revision__slug=slug)
        .first()
    )
    if question is None:
        return _moved_or_gone(request, condition_slug, slug)
    html = answer_html(
        request,
        question,
        question.live_revision,
        question.last_review,
        question.condition.live_revision,
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
    change (the answer's or its condition's) left behind answers 301 to the
    answer's address now; one whose answer was taken off the site, 410; any
    other, 404."""
    # Its condition may have no live answer left (this one was the last).
    condition, _ = _public_condition(condition_slug, with_answers=False)
    if condition is None:
        raise Http404("No such answer.")
    question = (
        Question.objects.published()
        .select_related("condition", "live_revision")
        .filter(condition=condition, live_revision__slug=slug)
        .first()
    )
    if question is None:
        moved = (
            Redirect.objects.filter(
                condition=condition, question__isnull=False, old_slug=slug
            )
            .select_related("question__condition", "question__live_revision")
            .first()
        )
        question = moved.question if moved else None
    if question is None:
        question = (
            Question.objects.filter(condition=condition, revisions__slug=slug)
            .select_related("condition")
            .first()
        )
    if question is None:
        # Never published: to the public it does not exist.
        raise Http404("No such answer.")
    if not question.is_live:
        return render(request, "public/gone.html", {"question": question}, status=410)
    return HttpResponsePermanentRedirect(question.get_absolute_url())


def reviewer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    reviewer = get_object_or_404(Reviewer, slug=slug)
    # Answers whose live version they approved, or that they last re-certified.
    reviewed = (
        _live_questions()
        .filter(Q(last_review__reviewer=reviewer) | Q(live_revision__reviewer=reviewer))
        .order_by("condition__public_name", "pk")
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
    conditions = (
        Condition.objects.published()
        .select_related("live_revision")
        .order_by("public_name")[:3]
    )
    return [
        (c.live_revision and c.live_revision.acronym) or c.public_name
        for c in conditions
    ] + ["is it contagious"]


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

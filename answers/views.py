"""Public pages. They read only approved revisions (`Question.objects.published()`)
and run a fixed number of queries, however many answers a condition has."""

from itertools import groupby

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils import timezone

from answers import search as site_search
from answers import structured_data
from answers.models import Condition, Question, Reviewer, Topic
from diseasemaps.lib.markdown import render_answer

TOPIC_ORDER = {value: position for position, value in enumerate(Topic.values)}


def _live_questions():
    return Question.objects.published().select_related(
        "live_revision", "last_review", "condition"
    )


def _by_topic(questions) -> list[tuple[str, list[Question]]]:
    """Questions grouped under their topic labels, topics in reading order."""
    ordered = sorted(questions, key=lambda q: (TOPIC_ORDER[q.topic], q.order, q.pk))
    return [
        (Topic(topic).label, list(group))
        for topic, group in groupby(ordered, key=lambda q: q.topic)
    ]


def _with_answer_counts(conditions):
    return conditions.annotate(
        answer_count=Count(
            "questions", filter=Q(questions__live_revision__isnull=False)
        )
    )


def home(request: HttpRequest) -> HttpResponse:
    conditions = _with_answer_counts(Condition.objects.published())
    recent = _live_questions().order_by("-last_review__created_at")[:8]
    return render(
        request, "answers/home.html", {"conditions": conditions, "recent": recent}
    )


def condition_index(request: HttpRequest) -> HttpResponse:
    conditions = _with_answer_counts(Condition.objects.published()).order_by("name")
    letters = [
        (letter, list(group))
        for letter, group in groupby(conditions, key=lambda c: c.name[:1].upper())
    ]
    return render(request, "answers/condition_index.html", {"letters": letters})


def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    condition = get_object_or_404(
        Condition.objects.published().prefetch_related("codes", "criteria"), slug=slug
    )
    questions = _live_questions().filter(condition=condition)
    return render(
        request,
        "answers/condition_detail.html",
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


def answer_detail(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.select_related(
            "condition", "live_revision", "last_review", "last_review__reviewer"
        ).prefetch_related("condition__codes"),
        condition__slug=condition_slug,
        slug=slug,
    )
    if question.live_revision is None:
        if question.revisions.exists():
            return render(
                request, "answers/gone.html", {"question": question}, status=410
            )
        # Never published: to the public it does not exist.
        raise Http404("No such answer.")
    others = (
        _live_questions().filter(condition=question.condition).exclude(pk=question.pk)
    )
    today = timezone.localdate()
    return render(
        request,
        "answers/answer_detail.html",
        {
            "question": question,
            "condition": question.condition,
            "revision": question.live_revision,
            "review": question.last_review,
            "overdue": question.is_overdue(today),
            "others": _by_topic(others),
            "breadcrumbs": structured_data.breadcrumb_items(question),
            "canonical_url": structured_data.absolute(question.get_absolute_url()),
            "json_ld": structured_data.as_script(structured_data.answer_page(question)),
        },
    )


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
        "answers/reviewer_detail.html",
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
        request, "answers/search.html", {"results": results, "examples": examples}
    )
    # Result pages are endless and thin: search engines should index the
    # answers themselves (the page also says so in a robots meta tag).
    response["X-Robots-Tag"] = "noindex"
    return response


def editorial_policy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "answers/editorial_policy.html",
        {"default_interval": settings.DEFAULT_REVIEW_INTERVAL_DAYS},
    )


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on every site, admin pages included.
    return HttpResponseRedirect(static("favicon.svg"))

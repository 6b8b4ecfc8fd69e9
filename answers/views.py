"""Public pages. They read only approved revisions (`Question.objects.published()`)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from answers.models import Condition, Question, Reviewer


def home(request: HttpRequest) -> HttpResponse:
    conditions = Condition.objects.published()
    recent = (
        Question.objects.published()
        .select_related("condition", "live_revision", "last_review")
        .order_by("-last_review__created_at")[:10]
    )
    return render(
        request, "answers/home.html", {"conditions": conditions, "recent": recent}
    )


def condition_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "answers/condition_index.html",
        {"conditions": Condition.objects.published()},
    )


def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    questions = (
        condition.questions.published()
        .select_related("live_revision")
        .order_by("topic", "order", "pk")
    )
    return render(
        request,
        "answers/condition_detail.html",
        {"condition": condition, "questions": questions},
    )


def answer_detail(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.select_related(
            "condition", "live_revision", "last_review", "last_review__reviewer"
        ),
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
        question.condition.questions.published()
        .exclude(pk=question.pk)
        .select_related("live_revision")
        .order_by("topic", "order", "pk")
    )
    return render(
        request,
        "answers/answer_detail.html",
        {
            "question": question,
            "condition": question.condition,
            "revision": question.live_revision,
            "review": question.last_review,
            "overdue": question.is_overdue(timezone.localdate()),
            "others": others,
        },
    )


def reviewer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    reviewer = get_object_or_404(Reviewer, slug=slug)
    reviewed = (
        Question.objects.published()
        .filter(last_review__reviewer=reviewer)
        .select_related("condition", "live_revision", "last_review")
        .order_by("condition__name", "pk")
    )
    return render(
        request,
        "answers/reviewer_detail.html",
        {"reviewer": reviewer, "reviewed": reviewed},
    )

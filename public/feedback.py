"""Readers tell us about answers, and see what we corrected.

- The yes/no question on every answer page ("Did this answer your
  question?") is a plain form of two buttons: it works without JavaScript.
  The answer page is stored and served to every anonymous reader alike
  (public/pages.py), so the form can carry no per-reader secret, and so no
  CSRF token: `vote` is exempt from Django's CSRF check and protects itself
  instead. A vote names nobody and changes nothing anyone owns, so a forged
  one gives an attacker nothing they could not do by posting it themselves;
  what CSRF would stop here is another site making its visitors' browsers
  vote, and the Origin (or Referer) check below stops exactly that. Each
  address counts once per answer a day, and VOTE_LIMIT votes an hour.
- "Report a problem with this answer" opens a page of its own, rendered for
  each reader and never stored: it carries Django's CSRF token, a signed
  start time (too fast or over a day old: a script, or a stale form), a
  field people never see (software fills it in), and a limit per address
  (REPORT_LIMIT). Addresses are counted in the cache under a keyed hash and
  never stored with a report.
- "Corrections and updates" on each answer page (`corrections_for`) and
  /about/corrections/ list what reviewers approved: the writer's one-line
  summary of each change, re-certifications as "Checked, no change needed";
  never a draft's summary.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from answers import feedback as feedback_services
from answers.feedback import FeedbackError
from answers.models import AnswerRevision, Question, ReviewEvent
from community.accounts import client_ip
from diseasemaps.lib import ratelimit
from diseasemaps.lib.prepared import Prepared
from public import structured_data
from public.forms import FeedbackForm

# (how many, per how many seconds) for one address.
VOTE_LIMIT = (30, 3600)
VOTE_PER_ANSWER = (1, 24 * 3600)
REPORT_LIMIT = (5, 3600)
REPORT_DAILY_LIMIT = (20, 24 * 3600)
CORRECTIONS_PAGE = 50

FIRST_PUBLISHED = "First published."
CHECKED = "Checked, no change needed."
UPDATED = "Updated the answer."


# --- Corrections and updates ------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    on: datetime
    text: str
    changed: bool  # the answer's text changed (not a check or first publication)


def _describe(action: str, revision: AnswerRevision) -> Correction:
    if action == ReviewEvent.Action.RECERTIFIED or not revision.content_changed:
        return Correction(revision.approved_at, CHECKED, False)
    if revision.number == 1:
        return Correction(revision.approved_at, FIRST_PUBLISHED, False)
    return Correction(revision.approved_at, revision.change_summary or UPDATED, True)


# Its SQL is built once per process (diseasemaps/lib/prepared.py).
_APPROVALS_OF = Prepared(
    "an answer's approvals and re-certifications",
    lambda question_id: (
        ReviewEvent.objects.filter(
            question_id=question_id,
            action__in=[ReviewEvent.Action.APPROVED, ReviewEvent.Action.RECERTIFIED],
        )
        .select_related("revision")
        .only(
            "action",
            "created_at",
            "revision__number",
            "revision__content_changed",
            "revision__change_summary",
            "revision__approved_at",
        )
        .order_by("-created_at", "-pk")
    ),
    question_id=int,
)


def corrections_for(question: Question, revision, review) -> list[Correction]:
    """The answer's approvals and re-certifications, newest first, in one
    query. On the review screen's preview (`review` not saved yet) the
    pending approval comes first, as readers will see it once approved."""
    events = _APPROVALS_OF(question_id=question.pk)
    found = []
    for event in events:
        entry = _describe(event.action, event.revision)
        if event.action == ReviewEvent.Action.RECERTIFIED:
            entry = Correction(event.created_at, CHECKED, False)
        found.append(entry)
    if review is not None and review.pk is None:
        found.insert(0, _describe(ReviewEvent.Action.APPROVED, revision))
    return found


def corrections(request: HttpRequest) -> HttpResponse:
    """/about/corrections/: every approved change to a published answer that
    is on the site, newest first."""
    revisions = (
        AnswerRevision.objects.filter(
            content_changed=True,
            number__gt=1,
            question__live_revision__isnull=False,
        )
        .select_related("question__condition", "question__live_revision")
        .only(
            "approved_at",
            "change_summary",
            "question__condition__slug",
            "question__condition__public_slug",
            "question__condition__public_name",
            "question__live_revision__slug",
            "question__live_revision__question_text",
        )
        .order_by("-approved_at", "-pk")
    )
    page = Paginator(revisions, CORRECTIONS_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/corrections.html",
        {
            "page": page,
            "updated": UPDATED,
            # ?page= pages too: the plain address is the list's one URL.
            "canonical_url": structured_data.absolute(reverse("public:corrections")),
        },
    )


# --- The yes/no question and the report form -------------------------------------


def _question(condition_slug: str, slug: str) -> Question:
    question = (
        Question.objects.published()
        .select_related("condition", "live_revision")
        .defer("short_answer", "body", "condition__summary")
        .filter(condition__public_slug=condition_slug, live_revision__slug=slug)
        .first()
    )
    if question is None:
        raise Http404("No such answer.")
    return question


def _client_key(request: HttpRequest) -> str:
    """The reader's address as the limits count it: a keyed hash, so the
    cache never holds an address."""
    address = client_ip(request) or "unknown"
    return salted_hmac("public.feedback.client", address).hexdigest()[:32]


def _same_site(request: HttpRequest) -> bool:
    """Did our own page send this POST? Browsers name the page's origin on
    every cross-site POST; a request naming none did not come from another
    site's page in a browser."""
    origin = request.META.get("HTTP_ORIGIN")
    ours = f"{request.scheme}://{request.get_host()}"
    if origin:
        return origin == ours or origin in settings.CSRF_TRUSTED_ORIGINS
    referer = request.META.get("HTTP_REFERER")
    if referer:
        return urlsplit(referer).netloc == request.get_host()
    return True


def _wait(request: HttpRequest, seconds: int, message: str) -> HttpResponse:
    response = render(
        request,
        "public/feedback_limited.html",
        {"message": message},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _thanks_url(question: Question, said: str) -> str:
    url = reverse(
        "public:feedback_thanks",
        args=[question.condition.address, question.live_revision.slug],
    )
    return f"{url}?said={said}"


@csrf_exempt  # the answer page is stored for every reader: see the docstring
@require_POST
def vote(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    helpful = {"yes": True, "no": False}.get(request.POST.get("helpful", ""))
    if helpful is None:
        return HttpResponseBadRequest(
            "Nothing was recorded: choose yes or no on the answer's page.",
            content_type="text/plain; charset=utf-8",
        )
    if not _same_site(request):
        return HttpResponse(
            "Nothing was recorded: votes are taken only from DiseaseMaps' own "
            "pages. Open the answer on DiseaseMaps and choose yes or no there.",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    question = _question(condition_slug, slug)
    client = _client_key(request)
    limit, window = VOTE_LIMIT
    wait = ratelimit.hit("vote", client, limit=limit, window=window)
    if wait is not None:
        return _wait(
            request,
            wait,
            "We have had many answers from your connection in the last hour. "
            "Thank you: please try again later.",
        )
    once, day = VOTE_PER_ANSWER
    # A second click on the same answer the same day is thanked, not counted.
    if ratelimit.hit(f"vote:{question.pk}", client, limit=once, window=day) is None:
        feedback_services.record_vote(question=question, helpful=helpful)
    return HttpResponseRedirect(
        _thanks_url(question, "yes" if helpful else "no"),
    )


@never_cache
def thanks(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    question = _question(condition_slug, slug)
    said = request.GET.get("said", "")
    return render(
        request,
        "public/feedback_thanks.html",
        {
            "question": question,
            "revision": question.live_revision,
            "condition": question.condition,
            "said": said if said in {"yes", "no", "report"} else "",
        },
    )


@never_cache
def report(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    """Report a problem with this answer: the form, and sending it."""
    question = _question(condition_slug, slug)
    revision = question.live_revision
    sections = feedback_services.sections_of(revision)
    form = FeedbackForm(
        request.POST or None, sections=sections, question_pk=question.pk
    )
    if request.method == "POST":
        if form.is_valid() and form.looks_automated():
            # Told nothing different, so it learns nothing; stored nowhere.
            return HttpResponseRedirect(_thanks_url(question, "report"))
        if form.is_valid():
            key = _client_key(request)
            for scope, (limit, window), period in (
                ("feedback", REPORT_LIMIT, "hour"),
                ("feedback-day", REPORT_DAILY_LIMIT, "day"),
            ):
                wait = ratelimit.hit(scope, key, limit=limit, window=window)
                if wait is not None:
                    return _wait(
                        request,
                        wait,
                        f"We have had {limit} reports from your connection in the "
                        f"last {period}. Nothing was sent this time. Please try "
                        "again later, or write down what you noticed so you have "
                        "it then.",
                    )
            try:
                feedback_services.receive_feedback(
                    user=request.user,
                    question=question,
                    kind=form.cleaned_data["kind"],
                    section=form.cleaned_data["section"],
                    text=form.cleaned_data["text"],
                    reply_to=form.cleaned_data["reply_to"],
                )
            except FeedbackError as error:
                form.add_error(None, str(error))
            else:
                return HttpResponseRedirect(_thanks_url(question, "report"))
        # A form sent back gets a fresh start time: its text is kept.
        data = request.POST.copy()
        data["started"] = form.fields["started"].initial or form.initial["started"]
        form.data = data
    return render(
        request,
        "public/feedback_form.html",
        {
            "form": form,
            "question": question,
            "revision": revision,
            "condition": question.condition,
        },
    )

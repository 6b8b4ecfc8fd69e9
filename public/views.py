"""Public pages. They read only approved revisions (`Question.objects.published()`)
and run a fixed number of queries, however many answers a condition has. Answer
and condition pages are stored once rendered (public/pages.py)."""

from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.timezone import template_localtime

from answers.models import (
    Condition,
    ConditionName,
    IndexedNameKind,
    Question,
    Redirect,
    Reviewer,
    ReviewEvent,
    Topic,
)
from diseasemaps.lib.prepared import Prepared
from diseasemaps.lib.template_filters import iso_date
from diseasemaps.lib.urls import slug_path
from public import catalogue, pages, structured_data
from public import search as site_search
from public.feedback import corrections_for

TOPIC_ORDER = {value: position for position, value in enumerate(Topic.values)}


def _live_questions():
    return Question.objects.published().select_related(
        "live_revision", "last_review", "condition"
    )


def _question_list(condition: Condition) -> list[dict]:
    """A condition's live questions as rows of what a list of them shows:
    pk, live_slug, live_topic, live_order, live_question, live_short_answer
    and reviewed_at.

    Rows, not model instances: a condition lists up to a few dozen questions,
    and three instances a row (question, live revision, review) cost more to
    build than the rest of the list. The drafts and the long answer texts stay
    in the database. Unordered: `_by_topic` puts them in reading order, and an
    ORDER BY costs more to build than the sort."""
    return _LIVE_QUESTIONS_OF(condition_id=condition.pk)


# Its SQL is built once per process (diseasemaps/lib/prepared.py), like the
# other reads of a fresh answer or condition page.
_LIVE_QUESTIONS_OF = Prepared(
    "live questions of a condition",
    lambda condition_id: (
        Question.objects.published()
        .filter(condition_id=condition_id)
        .order_by()
        .values(
            "pk",
            live_slug=F("live_revision__slug"),
            live_topic=F("live_revision__topic"),
            live_order=F("live_revision__order"),
            live_question=F("live_revision__question_text"),
            live_short_answer=F("live_revision__short_answer"),
            reviewed_at=F("last_review__created_at"),
        )
    ),
    condition_id=int,
)


def _by_topic(condition: Condition, questions) -> list[tuple[str, list[dict]]]:
    """`questions` (rows of `_question_list`) grouped under their approved
    topics, topics in reading order, each as the line of a list shows it (the
    `question_list` tag, public/templatetags/fragments.py)."""
    ordered = sorted(
        questions,
        key=lambda row: (TOPIC_ORDER[row["live_topic"]], row["live_order"], row["pk"]),
    )
    address = condition.address
    return [
        (Topic(topic).label, [_listed(address, row) for row in group])
        for topic, group in groupby(ordered, key=itemgetter("live_topic"))
    ]


def _listed(condition_address: str, row: dict) -> dict:
    reviewed_at = row["reviewed_at"]
    return {
        # Question.get_absolute_url, for a live question.
        "url": slug_path(
            "public:answer", condition_slug=condition_address, slug=row["live_slug"]
        ),
        "question_text": row["live_question"],
        "short_answer": row["live_short_answer"],
        # As `|iso_date` prints it: in the site's time zone.
        "reviewed": iso_date(template_localtime(reviewed_at))
        if reviewed_at is not None
        else "",
    }


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
# Above this many conditions with reviewed answers the A–Z index shows one
# letter at a time (with their other names: about three lines a condition):
# the whole list would be over a megabyte of HTML on a reader's phone.
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
            "canonical_url": structured_data.absolute(reverse("public:home")),
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


def _index_names():
    """The A–Z's lines from the condition-name index (answers/name_index.py),
    never drafts: each leads to a published condition or a plain page."""
    return ConditionName.objects.filter(listed=True, phenotype=False)


def condition_index(request: HttpRequest) -> HttpResponse:
    """The A–Z: conditions with reviewed answers, each of their other names as
    "Crow–Fukase syndrome, see POEMS syndrome"; and, one letter and page at a
    time (?catalogue=c&page=2), the thousands of catalogue conditions nobody
    has reviewed, so the page stays small whatever the catalogue holds.

    A fixed number of queries: the letters of the catalogue part, and the
    reviewed conditions' names, their other names' letters, the conditions
    and their other names to show (five); or for a catalogue page its
    letters, a count and the page (three)."""
    catalogue_letters = list(
        _index_names()
        .filter(condition__isnull=True)
        .order_by("initial")
        .values_list("initial", flat=True)
        .distinct()
    )
    asked = request.GET.get("catalogue")
    if asked is not None and catalogue_letters:
        return _catalogue_index(request, asked, catalogue_letters)
    conditions = _with_answer_counts(Condition.objects.all()).order_by("public_name")
    names = list(conditions.values_list("public_name", flat=True))
    see = (
        _index_names()
        .filter(condition__isnull=False)
        .exclude(kind=IndexedNameKind.NAME)
        .select_related("condition")
        .only(
            "name",
            "normalised",
            "initial",
            "condition__public_name",
            "condition__public_slug",
            "condition__slug",
        )
        .order_by("normalised", "condition__public_name")
    )
    see_letters = set(see.order_by().values_list("initial", flat=True).distinct())
    all_letters = sorted({_initial(name) for name in names} | see_letters)
    letter = None
    if len(names) > INDEX_ALL_LIMIT:
        asked = request.GET.get("letter", "")[:1].upper()
        letter = asked if asked in all_letters else all_letters[0]
        conditions = conditions.filter(public_name__istartswith=letter)
        see = see.filter(initial=letter)
    by_letter: dict[str, tuple[list, list]] = {}
    for condition in conditions:
        by_letter.setdefault(_initial(condition.public_name), ([], []))[0].append(
            condition
        )
    for name in see:
        by_letter.setdefault(name.initial, ([], []))[1].append(name)
    return render(
        request,
        "public/condition_index.html",
        {
            "letters": [
                (initial, *by_letter[initial]) for initial in sorted(by_letter)
            ],
            "all_letters": all_letters,
            "letter": letter,
            "condition_total": len(names),
            "catalogue_letters": catalogue_letters,
            # ?letter= pages too: the plain address is the index's one URL.
            "canonical_url": structured_data.absolute(
                reverse("public:condition_index")
            ),
        },
    )


# Lines of a catalogue letter page: a letter has up to ~2,000 names.
CATALOGUE_PAGE = 100


def _catalogue_index(
    request: HttpRequest, asked: str, letters: list[str]
) -> HttpResponse:
    letter = asked[:1].upper()
    if letter not in letters:
        letter = letters[0]
    lines = (
        _index_names()
        .filter(condition__isnull=True, initial=letter)
        .select_related("concept__release__source")
        .only(
            "name",
            "kind",
            "concept__name",
            "concept__code",
            "concept__release__source__key",
        )
        .order_by("normalised", "pk")
    )
    page = Paginator(lines, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/catalogue_index.html",
        {"page": page, "letter": letter, "catalogue_letters": letters},
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
            "topics": _by_topic(condition, questions),
            "answer_count": len(questions),
            "canonical_url": structured_data.absolute(condition.get_absolute_url()),
            "json_ld": structured_data.as_script(
                structured_data.condition_page(condition, facts)
            ),
        },
    )


# What a condition page, its JSON-LD and its stored copy read of the
# condition and the rows joined to it (templates/public/condition_detail.html).
CONDITION_PAGE_COLUMNS = (
    "public_name",
    "public_slug",
    "slug",
    "next_review_due",
    "live_revision__content_updated_at",
    "live_revision__acronym",
    "live_revision__acronym_expansion",
    "live_revision__summary",
    "live_revision__summary_html",
    "live_revision__synonyms",
    "live_revision__prevalence",
    "live_revision__codes",
    "live_revision__criteria",
    "last_review__created_at",
    "last_review__reviewer_name",
    "last_review__reviewer_credentials",
    "last_review__reviewer_specialty",
    "last_review__reviewer__slug",
)


def _condition_at(conditions, slug: str):
    return (
        conditions.select_related(
            "live_revision", "last_review", "last_review__reviewer"
        )
        # Only what the page shows: see ANSWER_PAGE_COLUMNS.
        .only(*CONDITION_PAGE_COLUMNS)
        .filter(public_slug=slug)
        .order_by("pk")[:1]
    )


_PUBLIC_CONDITION_AT = Prepared(
    "condition with answers at an address",
    lambda slug: _condition_at(Condition.objects.published(), slug),
    slug=str,
)
_CONDITION_AT = Prepared(
    "condition at an address",
    lambda slug: _condition_at(Condition.objects.all(), slug),
    slug=str,
)


def _public_condition(
    slug: str, *, with_answers: bool = True
) -> tuple[Condition | None, bool]:
    """The public condition at `slug` (with live answers, unless asked not to
    care), and whether `slug` is an address its approved slug change left
    behind."""
    at = _PUBLIC_CONDITION_AT if with_answers else _CONDITION_AT
    condition = next(iter(at(slug=slug)), None)
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


def _on(value) -> str:
    """A date or a time as `|iso_date` prints it: in the site's time zone."""
    return iso_date(template_localtime(value))


def answer_html(
    request: HttpRequest, question: Question, revision, review, facts
) -> str:
    """The answer page: `revision` (an AnswerRevision) as approved by `review`
    (its approval or re-certification), with the condition's approved facts
    (`facts`). Readers get the live ones; the review screen the pending ones."""
    others = [
        row for row in _question_list(question.condition) if row["pk"] != question.pk
    ]
    return pages.render(
        request,
        "public/answer_detail.html",
        {
            "question": question,
            "condition": question.condition,
            "facts": facts,
            "revision": revision,
            "review": review,
            # As `|iso_date` prints them, once each (the page shows each date
            # two or three times).
            "updated_on": _on(revision.content_updated_at),
            "reviewed_on": _on(review.created_at if review is not None else None),
            "review_due_on": _on(question.next_review_due),
            "others": _by_topic(question.condition, others),
            "corrections": corrections_for(question, revision, review),
            "breadcrumbs": structured_data.breadcrumb_items(question, revision),
            "canonical_url": structured_data.absolute(question.get_absolute_url()),
            "json_ld": structured_data.as_script(
                structured_data.answer_page(question, revision, review, facts)
            ),
        },
    )


# What an answer page, its JSON-LD and its stored copy read of the question
# and the rows joined to it (templates/public/answer_detail.html).
ANSWER_PAGE_COLUMNS = (
    "next_review_due",
    "condition__public_name",
    "condition__public_slug",
    "condition__slug",
    "condition__live_revision__acronym",
    "condition__live_revision__acronym_expansion",
    "condition__live_revision__synonyms",
    "condition__live_revision__codes",
    "condition__live_revision__criteria",
    "condition__live_revision__reviewer_name",
    "condition__live_revision__reviewer_credentials",
    "condition__live_revision__reviewer_specialty",
    "live_revision__content_updated_at",
    "live_revision__question_text",
    "live_revision__slug",
    "live_revision__kind",
    "live_revision__short_answer",
    "live_revision__body_html",
    "live_revision__references",
    "live_revision__show_criteria",
    "last_review__created_at",
    "last_review__reviewer_name",
    "last_review__reviewer_credentials",
    "last_review__reviewer_specialty",
    "last_review__reviewer__slug",
)


_LIVE_ANSWER_AT = Prepared(
    "live answer at an address",
    lambda condition_slug, slug: (
        Question.objects.published()
        .select_related(
            "condition",
            "condition__live_revision",
            "live_revision",
            "last_review",
            "last_review__reviewer",
        )
        # The public page shows the approved revisions, never the drafts;
        # and only the columns it shows: each column costs the ORM some
        # eighty function calls to select and load, and the six rows hold
        # over a hundred.
        .only(*ANSWER_PAGE_COLUMNS)
        .filter(condition__public_slug=condition_slug, live_revision__slug=slug)
        # One at most; not the model's four-column order, to build or to sort.
        .order_by("pk")[:1]
    ),
    condition_slug=str,
    slug=str,
)


def answer_detail(request: HttpRequest, condition_slug: str, slug: str) -> HttpResponse:
    found = pages.find(request)
    if found is not None and found.html is not None:
        due = found.next_review_due
        return pages.respond(found.html, next_review_due=due, stored="hit")
    question = next(
        iter(_LIVE_ANSWER_AT(condition_slug=condition_slug, slug=slug)), None
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


def catalogue_concept(request: HttpRequest, source: str, code: str) -> HttpResponse:
    """The plain page of a condition nobody has reviewed: names and codes
    from the catalogue, and that we have no reviewed answers (see
    public/catalogue.py for where else the address leads)."""
    found = catalogue.lookup(source, code)
    if found.condition is not None:
        return HttpResponsePermanentRedirect(found.condition.get_absolute_url())
    if found.replaced_by is not None:
        return HttpResponsePermanentRedirect(found.replaced_by.get_absolute_url())
    if found.concept is None:
        if found.retired is None:
            raise Http404("No such code.")
        response = render(
            request,
            "public/catalogue_retired.html",
            {"concept": found.retired},
            status=404,
        )
    else:
        response = render(
            request,
            "public/catalogue_concept.html",
            {"entry": catalogue.entry(found.concept)},
        )
    # Names and codes only, the same as the sources' own pages: not for
    # search engines (the page also says so in a robots meta tag).
    response["X-Robots-Tag"] = "noindex"
    return response


def reviewer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    reviewer = get_object_or_404(Reviewer, slug=slug)
    # Answers whose live version they approved, or that they last re-certified.
    reviewed = list(
        _live_questions()
        .filter(Q(last_review__reviewer=reviewer) | Q(live_revision__reviewer=reviewer))
        .order_by("condition__public_name", "pk")
    )
    # A reviewer behind no live answer and no condition's live facts is
    # linked from nowhere public and not in the sitemap (public/discovery.py):
    # the page says noindex and names no canonical.
    public = bool(reviewed) or _behind_facts(reviewer).exists()
    canonical = structured_data.absolute(reviewer.get_absolute_url())
    return render(
        request,
        "public/reviewer_detail.html",
        {
            "reviewer": reviewer,
            "reviewed": reviewed,
            "canonical_url": canonical if public else None,
        },
    )


def _behind_facts(reviewer):
    """Published conditions whose live facts `reviewer` last reviewed: their
    pages link to the reviewer (includes/facts_review.html)."""
    return Condition.objects.published().filter(
        last_review__reviewer=reviewer, live_revision__isnull=False
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
        {
            "default_interval": settings.DEFAULT_REVIEW_INTERVAL_DAYS,
            "canonical_url": structured_data.absolute(
                reverse("public:editorial_policy")
            ),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on every site, admin pages included.
    return HttpResponseRedirect(static("favicon.svg"))

"""The page a reviewer approves: the public templates, rendered from the
pending draft exactly as readers will get them once it is approved
(DESIGN.md, invariant 7). The review screen in the admin shows it in a frame.

Only staff who may see the draft get it. It is never stored, cached or
indexed, and below the page it lists what search engines will read (the
page's JSON-LD), which a browser does not show.
"""

import json
from copy import copy

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from answers.models import (
    AnswerRevision,
    Condition,
    ConditionRevision,
    Question,
    Reviewer,
    ReviewEvent,
)
from answers.services import content_changed
from diseasemaps.lib.markdown import render_answer
from public import structured_data
from public.pages import respond
from public.views import answer_html, condition_html

# Only the review screen, on our own origin, may show a preview in a frame.
_framed = csp_replace({"frame-ancestors": [SELF]})


def _signature(request: HttpRequest) -> dict:
    """Who the page will say approved it: the reviewer looking at it, or, for
    anyone else, a stand-in naming the role."""
    reviewer = Reviewer.objects.filter(user_id=request.user.pk, active=True).first()
    if reviewer is None:
        reviewer = Reviewer(
            display_name="[the approving reviewer]",
            credentials="[credentials]",
            specialty="[specialty]",
            slug="preview",
        )
    return {
        "reviewer": reviewer,
        "reviewer_name": reviewer.display_name,
        "reviewer_credentials": reviewer.credentials,
        "reviewer_specialty": reviewer.specialty,
    }


def _pending(item, model, request: HttpRequest, changed: bool):
    """An unsaved revision holding the draft as `approve` would store it, with
    the review that would publish it (today, by the viewer)."""
    now = timezone.now()
    live = item.live_revision
    signature = _signature(request)
    revision = model(
        **item.draft_content(),
        number=(live.number + 1) if live else 1,
        draft_version=item.draft_version,
        content_changed=changed,
        content_updated_at=now if changed or live is None else live.content_updated_at,
        coi_statement="",
        approved_at=now,
        **signature,
    )
    # What AnswerRevision.save / ConditionRevision.save would derive.
    if model is AnswerRevision:
        revision.body_html = render_answer(revision.body)
        # As approve stores it: the writer's summary, once published before.
        revision.change_summary = item.change_summary if live else ""
    else:
        revision.summary_html = render_answer(revision.summary)
    review = ReviewEvent(
        action=ReviewEvent.Action.APPROVED, created_at=now, **signature
    )
    item.next_review_due = timezone.localdate(now) + item.review_interval
    item.last_review = review
    return revision, review


def _as_reader(request: HttpRequest) -> HttpRequest:
    """The request as an anonymous reader's: the page must not greet the
    reviewer, whose own account links no reader ever sees."""
    reader = copy(request)
    reader.user = AnonymousUser()
    reader.COOKIES = {}
    return reader


def _with_search_engine_view(html: str, data: dict) -> str:
    """The page, with what its JSON-LD tells search engines shown below it."""
    block = render_to_string(
        "public/includes/preview_structured_data.html",
        {"json": json.dumps(data, ensure_ascii=False, indent=2)},
    )
    return html.replace("</body>", block + "</body>", 1)


def _may_see(request: HttpRequest, model) -> None:
    if not request.user.has_perm(f"answers.view_{model._meta.model_name}"):
        raise PermissionDenied


@never_cache
@staff_member_required
@xframe_options_sameorigin
@_framed
def answer_preview(request: HttpRequest, pk: int) -> HttpResponse:
    _may_see(request, Question)
    question = get_object_or_404(
        Question.objects.select_related(
            "condition", "condition__live_revision", "live_revision"
        ),
        pk=pk,
    )
    live = question.live_revision
    changed = live is None or content_changed(
        question, live.content(), question.draft_content()
    )
    revision, review = _pending(question, AnswerRevision, request, changed)
    # The page's address and its siblings' links: as they will be after approval.
    question.live_revision = revision
    if question.condition.public_slug is None:
        question.condition.public_name = question.condition.name
        question.condition.public_slug = question.condition.slug
    facts = question.condition.live_revision
    html = answer_html(_as_reader(request), question, revision, review, facts)
    data = structured_data.answer_page(question, revision, review, facts)
    return _preview_response(_with_search_engine_view(html, data))


@never_cache
@staff_member_required
@xframe_options_sameorigin
@_framed
def condition_preview(request: HttpRequest, pk: int) -> HttpResponse:
    _may_see(request, Condition)
    condition = get_object_or_404(
        Condition.objects.select_related("live_revision"), pk=pk
    )
    live = condition.live_revision
    changed = live is None or content_changed(
        condition, live.content(), condition.draft_content()
    )
    facts, _review = _pending(condition, ConditionRevision, request, changed)
    condition.public_name, condition.public_slug = facts.name, facts.slug
    html = condition_html(_as_reader(request), condition, facts)
    data = structured_data.condition_page(condition, facts)
    return _preview_response(_with_search_engine_view(html, data))


def _preview_response(html: str) -> HttpResponse:
    response = respond(html, stored="preview")
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response

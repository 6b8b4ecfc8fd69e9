"""The workflow pages of reviewed content in the admin, the same for a
question's answer and a condition's facts: review (approve, request changes,
re-certify), submit, unpublish, an approved revision (roll back to it) and a
saved version from History (restore it, questions only).

Each page is a small confirmation screen whose POST calls one function in
`answers.services`; the service checks who may take the step (role,
four-eyes) and the draft version the page showed. The review screen shows
the page exactly as readers will get it: the public side renders it from the
pending draft (public/previews.py) in a frame. `WorkflowMixin` adds the pages
to `QuestionAdmin` and `ConditionAdmin`.

A condition whose codes a newly loaded terminology release retired or
replaced is in the "terminology changed" queue (`QueueFilter`); its workflow
box and review screen say what changed, since that is what the writer has to
fix and the reviewer has to check before approving again.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from answers import services
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import (
    Condition,
    Feedback,
    Question,
    QuestionKind,
    ReviewedContent,
    Reviewer,
    ReviewEvent,
    Status,
    TerminologyAlert,
    Topic,
)
from answers.models.catalogue import criteria_as_text
from answers.queues import QUEUE_MODELS, REVIEW_QUEUES, queues_for
from diseasemaps.lib.admin import object_or_404
from diseasemaps.lib.admin_history import (
    compare_rows,
    snapshot_of_object,
    snapshot_of_version,
)
from diseasemaps.lib.diff import field_diffs

__all__ = [
    "QueueFilter",
    "WorkflowMixin",
    "content_diff",
    "open_alerts",
    "open_feedback",
    "short_date",
]


def short_date(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


class ApproveForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    coi_confirmed = forms.BooleanField(
        required=True,
        label="I approve this version for publication. " + services.COI_DECLARATION,
        error_messages={"required": "Confirm the declaration to approve."},
    )


class RequestChangesForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        widget=forms.Textarea,
        label="What needs to change",
        error_messages={"required": "Say what needs to change."},
    )


class RecertifyForm(forms.Form):
    coi_confirmed = forms.BooleanField(
        required=True,
        label="The live version is still medically correct and current. "
        + services.COI_DECLARATION,
        error_messages={"required": "Confirm the declaration to re-certify."},
    )


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea,
        label="Why is this coming off the site?",
        help_text="Kept in the audit log.",
    )


def _references_text(references: list[dict]) -> str:
    return "\n".join(
        f"{n}. "
        + " · ".join(
            filter(
                None,
                [
                    r["citation"],
                    r["url"],
                    r["pmid"] and f"PMID {r['pmid']}",
                    r["doi"] and f"DOI {r['doi']}",
                ],
            )
        )
        for n, r in enumerate(references, start=1)
    )


def _answer_rows(content: dict) -> dict[str, str]:
    placement = (
        f"Address …/{content['slug']}/ · {QuestionKind(content['kind']).label} · "
        f"under “{Topic(content['topic']).label}”, position {content['order']}"
    )
    return {
        "question_text": content["question_text"],
        "placement": placement,
        "short_answer": content["short_answer"],
        "body": content["body"],
        "references": _references_text(content["references"]),
        "show_criteria": "Shows the condition's diagnostic criteria"
        if content.get("show_criteria")
        else "Does not show diagnostic criteria",
    }


ANSWER_LABELS = {
    "question_text": "Question",
    "placement": "Address and place",
    "short_answer": "Short answer",
    "body": "Body",
    "references": "References",
    "show_criteria": "Diagnostic criteria",
}


def _condition_rows(content: dict) -> dict[str, str]:
    return {
        "name": content["name"],
        "slug": f"/conditions/{content['slug']}/",
        "acronym": " = ".join(
            filter(None, [content["acronym"], content["acronym_expansion"]])
        ),
        "synonyms": "\n".join(content["synonyms"]),
        "summary": content["summary"],
        "prevalence": content["prevalence"],
        "codes": "\n".join(_code_line(code) for code in content["codes"]),
        "criteria": criteria_as_text(content["criteria"]),
    }


def _code_line(code: dict) -> str:
    """A code as the page shows it: with the source's name and the release
    it was checked against; a code that failed the check says so."""
    if not code.get("release"):
        return f"{code['system']} {code['code']} (unchecked: readers are not shown it)"
    return (
        f"{code['system']} {code['code']}: {code['name']} "
        f"(checked against {code['system']} release {code['release']})"
    )


CONDITION_LABELS = {
    "name": "Name",
    "slug": "Address",
    "acronym": "Acronym",
    "synonyms": "Other names",
    "summary": "Summary",
    "prevalence": "How common",
    "codes": "Codes",
    "criteria": "Diagnostic criteria",
}


def content_diff(item: ReviewedContent, old: dict, new: dict) -> list[dict]:
    """Word differences, field by field, between two versions of the item's
    content (a draft's or a revision's)."""
    if isinstance(item, Condition):
        return field_diffs(_condition_rows(old), _condition_rows(new), CONDITION_LABELS)
    return field_diffs(_answer_rows(old), _answer_rows(new), ANSWER_LABELS)


def open_alerts(item: ReviewedContent) -> list[TerminologyAlert]:
    """The terminology changes a condition's facts wait on: codes they use
    that a newly loaded release retired or replaced. Approving new facts
    resolves them (services.approve); answers have none."""
    if not isinstance(item, Condition):
        return []
    return list(
        item.terminology_alerts.filter(resolved_at__isnull=True).order_by(
            "system", "code", "pk"
        )
    )


def open_feedback(item: ReviewedContent) -> list[Feedback]:
    """Readers' open reports on the answer under review, most urgent first."""
    if not isinstance(item, Question):
        return []
    return list(
        item.feedback.open().select_related("assignee").order_by("due_on", "pk")
    )


ALERTS_LEAD = (
    "A newly loaded release retired or replaced codes these facts use. Readers "
    "keep seeing the approved facts until a reviewer approves new ones."
)


class QueueFilter(admin.SimpleListFilter):
    """The review queues as a list filter: only those the user can act on."""

    title = "review queue"
    parameter_name = "queue"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        keys = queues_for(request.user, REVIEW_QUEUES, model_admin.opts.model_name)
        return [(key, REVIEW_QUEUES[key][0]) for key in keys]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        key = self.value()
        # Only a queue this kind of content has: "terminology" narrows by
        # condition, and would pick the wrong rows from questions.
        model_name = queryset.model._meta.model_name
        if key not in REVIEW_QUEUES or QUEUE_MODELS.get(key, model_name) != model_name:
            return queryset
        _, narrow = REVIEW_QUEUES[key]
        return narrow(queryset, request.user, timezone.localdate())


class WorkflowMixin:
    """The workflow pages and the change form's workflow box, for an admin of
    reviewed content (a `HistoryCompareAdmin`). Their URLs are
    admin:answers_<model>_review, _submit, _unpublish and _revision_detail;
    History's restore goes through the workflow too."""

    def get_urls(self) -> list[URLPattern | URLResolver]:
        screens = [
            ("<int:pk>/review/", self.review_view, "review"),
            ("<int:pk>/submit/", self.submit_view, "submit"),
            ("<int:pk>/unpublish/", self.unpublish_view, "unpublish"),
            (
                "<int:pk>/revisions/<int:number>/",
                self.revision_detail_view,
                "revision_detail",
            ),
        ]
        return [
            *(
                path(
                    route,
                    self.admin_site.admin_view(view),
                    name=f"answers_{self.opts.model_name}_{name}",
                )
                for route, view, name in screens
            ),
            *super().get_urls(),
        ]

    def _url(self, name: str, obj: ReviewedContent, *args: object) -> str:
        return reverse(
            f"admin:answers_{self.opts.model_name}_{name}", args=[obj.pk, *args]
        )

    def _preview_url(self, obj: ReviewedContent) -> str:
        kind = "condition" if isinstance(obj, Condition) else "answer"
        return reverse(f"public:preview_{kind}", args=[obj.pk])

    def _item(self, request: HttpRequest, pk: int | str) -> ReviewedContent:
        related = ["live_revision", "last_review"]
        if self.model is Question:
            related.append("condition")
        item = object_or_404(
            self.model.objects.select_related(*related),
            pk,
            f"No such {self.opts.verbose_name}.",
        )
        if not self.has_view_or_change_permission(request, item):
            raise PermissionDenied
        return item

    def _can(self, request: HttpRequest, step: str) -> bool:
        return request.user.has_perm(f"answers.{step}_{self.opts.model_name}")

    def _render(
        self,
        request: HttpRequest,
        template: str,
        item: ReviewedContent,
        title: str,
        *,
        status: int = 200,
        **extra: object,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": item,
            "item": item,
            "is_condition": isinstance(item, Condition),
            "title": title,
            "change_url": self._url("change", item),
            "can_edit": self._can(request, "change"),
            "media": self.media,
            **extra,
        }
        return TemplateResponse(
            request, f"admin/answers/workflow/{template}", context, status=status
        )

    def _refused(self, request: HttpRequest, error: Exception) -> int:
        """Show why a step was refused; the status is 403 when it was refused
        for who the user is (role, four-eyes), not for the item's state."""
        messages.error(request, str(error))
        return 403 if isinstance(error, NotAllowed) else 200

    def _done(
        self, request: HttpRequest, item: ReviewedContent, message: str
    ) -> HttpResponse:
        messages.success(request, message)
        return HttpResponseRedirect(self._url("change", item))

    def _posted_step(
        self,
        request: HttpRequest,
        item: ReviewedContent,
        step: Callable[..., object],
        done: str,
        **arguments: object,
    ) -> HttpResponse | int:
        """Take a confirmation page's step if it was posted: call the service
        `step` with the item, the user and the draft version the page showed
        (plus `arguments`). Returns the redirect, with `done` as its message,
        once the step is taken; otherwise the status to show the page with."""
        if request.method != "POST":
            return 200
        try:
            step(
                item=item,
                user=request.user,
                expected_version=int(request.POST.get("expected_version", "0")),
                **arguments,
            )
            return self._done(request, item, done)
        except (WorkflowError, ValueError) as error:
            return self._refused(request, error)

    def _decide(self, request: HttpRequest, item: ReviewedContent, forms_: dict):
        """The review screen's POST: approve, request changes or re-certify."""
        action = request.POST.get("action")
        if action == "approve":
            form = forms_["approve"] = ApproveForm(request.POST, prefix="approve")
            if form.is_valid():
                # Reader reports this approval fixes (ticked on the screen).
                closing = [
                    int(pk)
                    for pk in request.POST.getlist("close_feedback")
                    if pk.isdigit()
                ]
                revision = services.approve(
                    item=item,
                    user=request.user,
                    expected_version=form.cleaned_data["expected_version"],
                    coi_confirmed=form.cleaned_data["coi_confirmed"],
                    close_feedback=closing if isinstance(item, Question) else (),
                )
                closed = (
                    f" {len(closing)} reader report(s) closed with it."
                    if closing
                    else ""
                )
                return self._done(
                    request,
                    item,
                    f"Approved: revision {revision.number} is now live.{closed}",
                )
        elif action == "request_changes":
            form = forms_["changes"] = RequestChangesForm(
                request.POST, prefix="changes"
            )
            if form.is_valid():
                services.request_changes(
                    item=item,
                    user=request.user,
                    comment=form.cleaned_data["comment"],
                    expected_version=form.cleaned_data["expected_version"],
                )
                return self._done(
                    request, item, "Changes requested; the writer is told."
                )
        elif action == "recertify":
            form = forms_["recertify"] = RecertifyForm(request.POST, prefix="recertify")
            if form.is_valid():
                services.recertify(
                    item=item,
                    user=request.user,
                    coi_confirmed=form.cleaned_data["coi_confirmed"],
                )
                return self._done(
                    request, item, "Re-certified: last reviewed is today."
                )
        else:
            messages.error(request, "Unknown action.")
        return None

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self._item(request, pk)
        version = item.draft_version
        forms_ = {
            "approve": ApproveForm(
                initial={"expected_version": version}, prefix="approve"
            ),
            "changes": RequestChangesForm(
                initial={"expected_version": version}, prefix="changes"
            ),
            "recertify": RecertifyForm(prefix="recertify"),
        }
        status = 200
        if request.method == "POST":
            try:
                done = self._decide(request, item, forms_)
                if done is not None:
                    return done
            except WorkflowError as error:
                status = self._refused(request, error)
                item = self._item(request, pk)

        content = item.draft_content()
        checks = services.checks_for(item, content)
        live = item.live_revision
        contributors = services.contributor_ids(item)
        reviewer = Reviewer.objects.filter(user_id=request.user.pk, active=True).first()
        can_review = reviewer is not None and self._can(request, "review")
        wrote_live = False
        if live is not None and can_review:
            approval = item.events.filter(action=ReviewEvent.Action.APPROVED).first()
            wrote_live = approval is not None and request.user.pk in (
                services.contributor_ids(item, upto=approval)
            )
        # The submission of the version on screen, if it was submitted.
        submission = (
            item.events.filter(
                action=ReviewEvent.Action.SUBMITTED, draft_version=version
            ).first()
            if item.status == Status.IN_REVIEW
            else None
        )
        return self._render(
            request,
            "review.html",
            item,
            f"Review: {item}",
            status=status,
            checks=checks,
            has_errors=any(c.is_error for c in checks),
            diff=content_diff(item, live.content(), content) if live else None,
            contributor_names=services.contributor_names(item),
            i_contributed=request.user.pk in contributors,
            wrote_live=wrote_live,
            can_review=can_review,
            reviewer=reviewer,
            approve_form=forms_["approve"],
            changes_form=forms_["changes"],
            recertify_form=forms_["recertify"],
            submission=submission,
            preview_url=self._preview_url(item),
            feedback=open_feedback(item),
            alerts=open_alerts(item),
            alerts_lead=ALERTS_LEAD,
        )

    def submit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self._item(request, pk)
        if not self._can(request, "submit"):
            raise PermissionDenied
        outcome = self._posted_step(
            request,
            item,
            services.submit_for_review,
            "Submitted for medical review.",
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        return self._render(
            request,
            "submit.html",
            item,
            f"Submit for review: {item}",
            status=outcome,
            checks=services.checks_for(item),
        )

    def unpublish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        item = self._item(request, pk)
        if not self._can(request, "unpublish"):
            raise PermissionDenied
        form = UnpublishForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                services.unpublish(
                    item=item,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                return self._done(request, item, "Unpublished.")
            except WorkflowError as error:
                status = self._refused(request, error)
        return self._render(
            request,
            "unpublish.html",
            item,
            f"Unpublish: {item}",
            status=status,
            form=form,
        )

    def revision_detail_view(
        self, request: HttpRequest, pk: int, number: int
    ) -> HttpResponse:
        item = self._item(request, pk)
        revision = get_object_or_404(item.revisions, number=number)
        outcome = self._posted_step(
            request,
            item,
            services.roll_back,
            f"Revision {revision.number} is the draft again. Submit it for "
            "review to publish it.",
            revision=revision,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        return self._render(
            request,
            "revision_detail.html",
            item,
            f"Approved revision {revision.number}: {revision}",
            status=outcome,
            revision=revision,
            diff=content_diff(item, item.draft_content(), revision.content()),
        )

    def revision_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        """History: restore a saved draft through the workflow, never by
        overwriting workflow state the way a plain django-reversion revert
        would: a saved version comes back as the draft, with its references,
        codes and criteria sets, and needs a review to reach readers."""
        item = self._item(request, unquote(object_id))
        version = self._version(str(item.pk), version_id)
        outcome = self._posted_step(
            request,
            item,
            services.restore_from_history,
            "Restored that version as the current draft.",
            version=version,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        rows = compare_rows(snapshot_of_object(item), snapshot_of_version(version))
        return self._render(
            request,
            "restore_version.html",
            item,
            f"Saved version of {item}",
            status=outcome,
            version=version,
            rows=rows,
            history_url=reverse(
                f"admin:answers_{self.opts.model_name}_history", args=[quote(item.pk)]
            ),
        )

    def recover_view(
        self, request: HttpRequest, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        raise PermissionDenied

    def recoverlist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        raise PermissionDenied

    # List columns.

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: ReviewedContent) -> str:
        return obj.status_label

    @admin.display(description="last reviewed", ordering="last_review__created_at")
    def last_reviewed(self, obj: ReviewedContent) -> str:
        return short_date(obj.last_review.created_at) if obj.last_review else "—"

    @admin.display(description="next review due", ordering="next_review_due")
    def review_due(self, obj: ReviewedContent) -> str:
        if obj.is_overdue():
            return format_html(
                '<span class="dm-overdue">{} (overdue)</span>',
                short_date(obj.next_review_due),
            )
        return short_date(obj.next_review_due)

    # The change form's workflow box and history.

    def workflow_links(
        self, request: HttpRequest, obj: ReviewedContent
    ) -> list[tuple[str, str]]:
        """The steps this user can take from the change form, and no others."""
        links = [(self._url("review", obj), "Review screen")]
        if obj.status in {Status.DRAFT, Status.CHANGES_REQUESTED} and self._can(
            request, "submit"
        ):
            links.append((self._url("submit", obj), "Submit for review"))
        if obj.live_revision_id and self._can(request, "unpublish"):
            links.append((self._url("unpublish", obj), "Unpublish"))
        return links

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and obj.pk:
            context["workflow_links"] = self.workflow_links(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description="state")
    def workflow(self, obj: ReviewedContent) -> str:
        live = obj.live_revision
        links = [(self._url("review", obj), "Open review screen")]
        if live:
            links.append((obj.get_absolute_url(), "View live page"))
        live_line = (
            format_html(
                "Live: revision {}, approved by {} on {}. Last reviewed {}; next "
                "review due {}.",
                live.number,
                live.reviewer_byline,
                short_date(live.approved_at),
                short_date(obj.last_review.created_at if obj.last_review else None),
                short_date(obj.next_review_due),
            )
            if live
            else "Not on the public site."
        )
        alerts = open_alerts(obj)
        alert_box = (
            format_html(
                '<div class="dm-notice" id="terminology-alerts"><p><strong>'
                "Terminology changed.</strong> {}</p><ul>{}</ul></div>",
                ALERTS_LEAD,
                format_html_join(
                    "", "<li>{}</li>", ((alert.explanation,) for alert in alerts)
                ),
            )
            if alerts
            else ""
        )
        return format_html(
            '<p class="dm-status">{} (draft version {})</p><p>{}</p>{}<p>{}</p>',
            obj.status_label,
            obj.draft_version,
            live_line,
            alert_box,
            format_html_join(" · ", '<a href="{}">{}</a>', links),
        )

    @admin.display(description="workflow steps")
    def review_history(self, obj: ReviewedContent) -> str:
        events = obj.events.all()[:20]
        if not events:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} by {} (draft v{}){}</li>",
                (
                    (
                        f"{e.created_at:%Y-%m-%d %H:%M}",
                        e.get_action_display(),
                        e.actor_name,
                        e.draft_version,
                        f": “{e.comment}”" if e.comment else "",
                    )
                    for e in events
                ),
            ),
        )

    @admin.display(description="approved revisions")
    def approved_revisions(self, obj: ReviewedContent) -> str:
        revisions = obj.revisions.all()
        if not revisions:
            return "None yet."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">Revision {}</a> · approved {} by {}{}</li>',
                (
                    (
                        self._url("revision_detail", obj, r.number),
                        r.number,
                        short_date(r.approved_at),
                        r.reviewer_name,
                        " · live" if r.pk == obj.live_revision_id else "",
                    )
                    for r in revisions
                ),
            ),
        )

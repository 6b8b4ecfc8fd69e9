"""The workflow pages of a question in the admin: review (approve, request
changes, re-certify), submit, unpublish, an approved revision (roll back to it)
and a saved version from History (restore it).

Each page is a small confirmation screen whose POST calls one function in
`answers.services`; the service checks who may take the step (role,
four-eyes) and the draft version the page showed. `QuestionWorkflowMixin`
adds the pages to `QuestionAdmin`, in `answers.admin.questions`.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse

from answers import services
from answers.checks import run_checks
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import (
    AnswerRevision,
    Question,
    QuestionKind,
    Reviewer,
    ReviewEvent,
    Topic,
)
from diseasemaps.lib.admin import object_or_404
from diseasemaps.lib.admin_history import (
    compare_rows,
    snapshot_of_object,
    snapshot_of_version,
)
from diseasemaps.lib.diff import field_diffs
from diseasemaps.lib.markdown import render_answer


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
        label="Why is this answer coming off the site?",
        help_text="Kept in the audit log.",
    )


def _content_rows(content: dict) -> dict[str, str]:
    """Draft or revision content as labelled text, for word differences."""
    references = "\n".join(
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
        for n, r in enumerate(content["references"], start=1)
    )
    criteria = "\n\n".join(
        f"{c['category']} ({c['source']}{', ' + c['version'] if c['version'] else ''})"
        + "".join(f"\n- {item}" for item in c["items"])
        for c in content["criteria"]
    )
    placement = (
        f"Address …/{content['slug']}/ · {QuestionKind(content['kind']).label} · "
        f"under “{Topic(content['topic']).label}”, position {content['order']}"
    )
    return {
        "question_text": content["question_text"],
        "placement": placement,
        "short_answer": content["short_answer"],
        "body": content["body"],
        "references": references,
        "criteria": criteria,
    }


CONTENT_LABELS = {
    "question_text": "Question",
    "placement": "Address and place",
    "short_answer": "Short answer",
    "body": "Body",
    "references": "References",
    "criteria": "Diagnostic criteria",
}


def _content_diff(old: dict, new: dict) -> list[dict]:
    """Word differences, field by field, between two versions of an answer's
    content (a draft's or a revision's)."""
    return field_diffs(_content_rows(old), _content_rows(new), CONTENT_LABELS)


class QuestionWorkflowMixin:
    """The workflow pages, for `QuestionAdmin` (a `HistoryCompareAdmin`): their
    URLs, views and shared plumbing. `revision_view` replaces
    django-reversion's revert with a restore through the workflow."""

    def get_urls(self) -> list[URLPattern | URLResolver]:
        # admin:answers_question_review, _submit, _unpublish, _revision_detail
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
                    name=f"answers_question_{name}",
                )
                for route, view, name in screens
            ),
            *super().get_urls(),
        ]

    def _url(self, name: str, obj: Question, *args: object) -> str:
        return reverse(f"admin:answers_question_{name}", args=[obj.pk, *args])

    def _question(self, request: HttpRequest, pk: int | str) -> Question:
        question = object_or_404(
            Question.objects.select_related(
                "condition", "live_revision", "last_review"
            ),
            pk,
            "No such question.",
        )
        if not self.has_view_or_change_permission(request, question):
            raise PermissionDenied
        return question

    def _render(
        self,
        request: HttpRequest,
        template: str,
        question: Question,
        title: str,
        *,
        status: int = 200,
        **extra: object,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": question,
            "question": question,
            "title": title,
            "change_url": self._url("change", question),
            "media": self.media,
            **extra,
        }
        return TemplateResponse(
            request, f"admin/answers/question/{template}", context, status=status
        )

    def _refused(self, request: HttpRequest, error: Exception) -> int:
        """Show why a step was refused; the status is 403 when it was refused
        for who the user is (role, four-eyes), not for the answer's state."""
        messages.error(request, str(error))
        return 403 if isinstance(error, NotAllowed) else 200

    def _done(
        self, request: HttpRequest, question: Question, message: str
    ) -> HttpResponse:
        messages.success(request, message)
        return HttpResponseRedirect(self._url("change", question))

    def _posted_step(
        self,
        request: HttpRequest,
        question: Question,
        step: Callable[..., object],
        done: str,
        **arguments: object,
    ) -> HttpResponse | int:
        """Take a confirmation page's step if it was posted: call the service
        `step` with the question, the user and the draft version the page showed
        (plus `arguments`). Returns the redirect, with `done` as its message,
        once the step is taken; otherwise the status to show the page with."""
        if request.method != "POST":
            return 200
        try:
            step(
                question=question,
                user=request.user,
                expected_version=int(request.POST.get("expected_version", "0")),
                **arguments,
            )
            return self._done(request, question, done)
        except (WorkflowError, ValueError) as error:
            return self._refused(request, error)

    def review_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        question = self._question(request, pk)
        version = question.draft_version
        approve_form = ApproveForm(
            initial={"expected_version": version}, prefix="approve"
        )
        changes_form = RequestChangesForm(
            initial={"expected_version": version}, prefix="changes"
        )
        recertify_form = RecertifyForm(prefix="recertify")
        status = 200
        if request.method == "POST":
            action = request.POST.get("action")
            try:
                if action == "approve":
                    approve_form = ApproveForm(request.POST, prefix="approve")
                    if approve_form.is_valid():
                        revision = services.approve(
                            question=question,
                            user=request.user,
                            expected_version=approve_form.cleaned_data[
                                "expected_version"
                            ],
                            coi_confirmed=approve_form.cleaned_data["coi_confirmed"],
                        )
                        return self._done(
                            request,
                            question,
                            f"Approved: revision {revision.number} is now live.",
                        )
                elif action == "request_changes":
                    changes_form = RequestChangesForm(request.POST, prefix="changes")
                    if changes_form.is_valid():
                        services.request_changes(
                            question=question,
                            user=request.user,
                            comment=changes_form.cleaned_data["comment"],
                            expected_version=changes_form.cleaned_data[
                                "expected_version"
                            ],
                        )
                        return self._done(
                            request, question, "Changes requested; the writer is told."
                        )
                elif action == "recertify":
                    recertify_form = RecertifyForm(request.POST, prefix="recertify")
                    if recertify_form.is_valid():
                        services.recertify(
                            question=question,
                            user=request.user,
                            coi_confirmed=recertify_form.cleaned_data["coi_confirmed"],
                        )
                        return self._done(
                            request, question, "Re-certified: last reviewed is today."
                        )
                else:
                    messages.error(request, "Unknown action.")
            except WorkflowError as error:
                status = self._refused(request, error)
                question = self._question(request, pk)

        content = question.draft_content()
        checks = run_checks(content, show_criteria=question.show_criteria)
        live = question.live_revision
        diff = _content_diff(live.content(), content) if live else None
        contributors = services.contributor_ids(question)
        contributor_names = services.contributor_names(question)
        reviewer = Reviewer.objects.filter(user_id=request.user.pk, active=True).first()
        can_review = reviewer is not None and request.user.has_perm(
            "answers.review_question"
        )
        return self._render(
            request,
            "review.html",
            question,
            f"Review: {question.text}",
            status=status,
            content=content,
            body_html=render_answer(content["body"]),
            checks=checks,
            has_errors=any(c.is_error for c in checks),
            diff=diff,
            contributor_names=contributor_names,
            i_contributed=request.user.pk in contributors,
            can_review=can_review,
            reviewer=reviewer,
            approve_form=approve_form,
            changes_form=changes_form,
            recertify_form=recertify_form,
            last_submission=question.events.filter(
                action=ReviewEvent.Action.SUBMITTED
            ).first(),
        )

    def submit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        question = self._question(request, pk)
        outcome = self._posted_step(
            request,
            question,
            services.submit_for_review,
            "Submitted for medical review.",
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        checks = run_checks(
            question.draft_content(), show_criteria=question.show_criteria
        )
        return self._render(
            request,
            "submit.html",
            question,
            f"Submit for review: {question}",
            status=outcome,
            checks=checks,
        )

    def unpublish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        question = self._question(request, pk)
        form = UnpublishForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                services.unpublish(
                    question=question,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                return self._done(
                    request, question, "Unpublished: the page now says it is gone."
                )
            except WorkflowError as error:
                status = self._refused(request, error)
        return self._render(
            request,
            "unpublish.html",
            question,
            f"Unpublish: {question}",
            status=status,
            form=form,
        )

    def revision_detail_view(
        self, request: HttpRequest, pk: int, number: int
    ) -> HttpResponse:
        question = self._question(request, pk)
        revision = get_object_or_404(AnswerRevision, question=question, number=number)
        outcome = self._posted_step(
            request,
            question,
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
            question,
            f"Approved revision {revision.number}: {revision.question_text}",
            status=outcome,
            revision=revision,
            diff=_content_diff(question.draft_content(), revision.content()),
        )

    def revision_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        """History: restore a saved draft through the workflow, never by overwriting
        workflow state the way a plain django-reversion revert would."""
        question = self._question(request, unquote(object_id))
        version = self._version(str(question.pk), version_id)
        outcome = self._posted_step(
            request,
            question,
            services.restore_from_history,
            "Restored that version as the current draft.",
            version=version,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        rows = compare_rows(snapshot_of_object(question), snapshot_of_version(version))
        return self._render(
            request,
            "restore_version.html",
            question,
            f"Saved version of {question}",
            status=outcome,
            version=version,
            rows=rows,
            history_url=reverse(
                "admin:answers_question_history", args=[quote(question.pk)]
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

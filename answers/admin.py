"""The editors' and reviewers' console.

Workflow buttons lead to small confirmation pages (submit, review, unpublish,
roll back); each page calls one function in `answers.services`, which also
enforces the permission and four-eyes rules.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from answers import services
from answers.checks import run_checks
from answers.exceptions import NotAllowed, StaleDraft, WorkflowError
from answers.models import (
    DRAFT_FIELDS,
    AnswerRevision,
    Condition,
    ConditionCode,
    CriteriaList,
    Question,
    Reference,
    Reviewer,
    ReviewEvent,
    Status,
)
from answers.queues import REVIEW_QUEUES
from diseasemaps.lib.admin import ReadOnlyAdmin
from diseasemaps.lib.admin_history import (
    HistoryCompareAdmin,
    compare_rows,
    snapshot_of_object,
    snapshot_of_version,
)
from diseasemaps.lib.diff import field_diffs
from diseasemaps.lib.markdown import render_answer

ADMIN_CSS = {"all": ["css/admin.css"]}


def _date(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


# --- Conditions -------------------------------------------------------------


class ConditionCodeInline(admin.TabularInline):
    model = ConditionCode
    extra = 0


class CriteriaListInline(admin.StackedInline):
    model = CriteriaList
    extra = 0
    fields = ["order", "category", "items", "source", "version"]


@admin.register(Condition)
class ConditionAdmin(HistoryCompareAdmin):
    inlines = [ConditionCodeInline, CriteriaListInline]
    list_display = ["name", "acronym", "question_count", "review_interval_days"]
    search_fields = ["name", "acronym", "synonyms", "slug"]
    # The question form's condition autocomplete pages through this list: it
    # needs a stable order (Django warns, and pages could repeat or skip).
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "acronym", "acronym_expansion"]}),
        ("Description", {"fields": ["synonyms", "summary", "prevalence"]}),
        ("Review", {"fields": ["review_interval_days"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_questions=Count("questions"))

    @admin.display(description="questions", ordering="_questions")
    def question_count(self, obj: Condition) -> int:
        return obj._questions

    # Saving goes through the service (also a restore from History).

    def save_model(self, request, obj, form, change) -> None:
        """Saved together with its codes and criteria in save_related."""

    def save_related(self, request, form, formsets, change) -> None:
        services.save_condition(
            condition=form.instance,
            user=request.user,
            save_related=lambda: super(ConditionAdmin, self).save_related(
                request, form, formsets, change
            ),
        )


# --- Reviewers --------------------------------------------------------------


@admin.register(Reviewer)
class ReviewerAdmin(HistoryCompareAdmin):
    def save_model(self, request, obj, form, change) -> None:
        """Saved by the service in save_related."""

    def save_related(self, request, form, formsets, change) -> None:
        services.save_reviewer(
            reviewer=form.instance,
            user=request.user,
            save_related=lambda: super(ReviewerAdmin, self).save_related(
                request, form, formsets, change
            ),
        )

    list_display = ["display_name", "credentials", "specialty", "active", "user"]
    list_filter = ["active", "specialty"]
    list_select_related = ["user"]
    search_fields = ["display_name", "registration_id", "user__username", "user__email"]
    prepopulated_fields = {"slug": ["display_name"]}
    raw_id_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["user", "display_name", "slug", "active"]}),
        (
            "Credentials",
            {
                "fields": [
                    "credentials",
                    "specialty",
                    "affiliation",
                    "registration_body",
                    "registration_id",
                ]
            },
        ),
        ("For readers", {"fields": ["bio", "disclosures"]}),
    ]


# --- Questions and their draft answers --------------------------------------


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0
    formfield_overrides = {
        models.URLField: {
            "assume_scheme": "https",
            "widget": forms.URLInput(attrs={"size": 30}),
        },
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})},
        models.CharField: {"widget": forms.TextInput(attrs={"size": 14})},
    }
    fields = ["order", "citation", "url", "pmid", "doi"]

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 0 if obj else 1


class MultilineTextField(forms.CharField):
    """Browsers send line breaks as CRLF; compare and store them as LF, so an
    untouched textarea is not mistaken for an edit."""

    def to_python(self, value):
        return services.normalise_text(super().to_python(value))


class QuestionAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Question
        fields = DRAFT_FIELDS
        field_classes = {"short_answer": MultilineTextField, "body": MultilineTextField}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.draft_version

    def clean_text(self) -> str:
        # The question is a heading, a page title and a mail subject: one line
        # (content files refuse a multi-line question too).
        text = self.cleaned_data["text"]
        if "\n" in text or "\r" in text:
            raise ValidationError("Write the question on a single line.")
        return text

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk:
            # The admin runs this inside its transaction, so the lock is held
            # until the save: no one can slip a save in between. A form error
            # (not a redirect) keeps the editor's typing on screen to copy.
            current = services.lock_question(self.instance)
            try:
                services.check_version(
                    current,
                    cleaned.get("expected_version"),
                    "Nothing was saved. Copy your changes, reload the page and "
                    "apply them to the new version.",
                )
            except StaleDraft as error:
                raise ValidationError(str(error)) from None
        return cleaned


class QueueFilter(admin.SimpleListFilter):
    title = "review queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in REVIEW_QUEUES.items()]

    def queryset(self, request, queryset):
        if self.value() not in REVIEW_QUEUES:
            return queryset
        _, narrow = REVIEW_QUEUES[self.value()]
        return narrow(queryset, request.user, timezone.localdate())


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
    return {
        "question_text": content["question_text"],
        "short_answer": content["short_answer"],
        "body": content["body"],
        "references": references,
        "criteria": criteria,
    }


CONTENT_LABELS = {
    "question_text": "Question",
    "short_answer": "Short answer",
    "body": "Body",
    "references": "References",
    "criteria": "Diagnostic criteria",
}


@admin.register(Question)
class QuestionAdmin(HistoryCompareAdmin):
    # Questions are never deleted once they have history, so there is nothing to
    # recover: the plain change list, without reversion's "Recover" button.
    change_list_template = "admin/change_list.html"
    form = QuestionAdminForm
    inlines = [ReferenceInline]
    list_display = [
        "text",
        "condition",
        "topic",
        "status_display",
        "last_reviewed",
        "review_due",
    ]
    # No filter by condition: its sidebar would list every condition (7,000 at
    # full size, most of the page's weight); search by condition name instead.
    list_filter = [QueueFilter, "status", "topic"]
    list_select_related = ["condition", "live_revision", "last_review"]
    # "N of 100,000" would count every question on each page of a queue.
    show_full_result_count = False
    search_fields = [
        "text",
        "slug",
        "short_answer",
        "condition__name",
        "condition__acronym",
    ]
    autocomplete_fields = ["condition"]
    prepopulated_fields = {"slug": ["text"]}
    actions = ["submit_selected"]
    readonly_fields = ["workflow", "review_history", "approved_revisions"]
    fieldsets = [
        ("Workflow", {"fields": ["workflow"]}),
        (
            "Question",
            {"fields": ["condition", "text", "slug", "kind", "topic", "order"]},
        ),
        (
            "Draft answer",
            {"fields": ["short_answer", "body", "show_criteria", "expected_version"]},
        ),
        (
            "Review history",
            {
                "fields": ["review_history", "approved_revisions"],
                "classes": ["collapse"],
            },
        ),
    ]

    class Media:
        css = ADMIN_CSS

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                fs
                for fs in self.fieldsets
                if fs[0] not in {"Workflow", "Review history"}
            ]
        return self.fieldsets

    # List columns.

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Question) -> str:
        return obj.status_label

    @admin.display(description="last reviewed", ordering="last_review__created_at")
    def last_reviewed(self, obj: Question) -> str:
        return _date(obj.last_review.created_at) if obj.last_review else "—"

    @admin.display(description="next review due", ordering="next_review_due")
    def review_due(self, obj: Question) -> str:
        if obj.is_overdue():
            return format_html(
                '<span class="dm-overdue">{} (overdue)</span>',
                _date(obj.next_review_due),
            )
        return _date(obj.next_review_due)

    # Change-page panels.

    def _url(self, name: str, obj: Question, *args) -> str:
        return reverse(f"admin:answers_question_{name}", args=[obj.pk, *args])

    @admin.display(description="state")
    def workflow(self, obj: Question) -> str:
        live = obj.live_revision
        links = [(self._url("review", obj), "Open review screen")]
        if obj.status in {Status.DRAFT, Status.CHANGES_REQUESTED}:
            links.append((self._url("submit", obj), "Submit for review"))
        if live:
            links.append((self._url("unpublish", obj), "Unpublish"))
            links.append((obj.get_absolute_url(), "View live page"))
        live_line = (
            format_html(
                "Live: revision {}, approved by {} on {}. Last reviewed {}; next "
                "review due {}.",
                live.number,
                live.reviewer_byline,
                _date(live.approved_at),
                _date(obj.last_review.created_at if obj.last_review else None),
                _date(obj.next_review_due),
            )
            if live
            else "Not on the public site."
        )
        return format_html(
            '<p class="dm-status">{} (draft version {})</p><p>{}</p><p>{}</p>',
            obj.status_label,
            obj.draft_version,
            live_line,
            format_html_join(" · ", '<a href="{}">{}</a>', links),
        )

    @admin.display(description="workflow steps")
    def review_history(self, obj: Question) -> str:
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
    def approved_revisions(self, obj: Question) -> str:
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
                        _date(r.approved_at),
                        r.reviewer_name,
                        " · live" if r.pk == obj.live_revision_id else "",
                    )
                    for r in revisions
                ),
            ),
        )

    # Saving goes through the service.

    def save_model(self, request, obj, form, change) -> None:
        """Saved together with its references in save_related, by the service."""

    def save_related(self, request, form, formsets, change) -> None:
        changed = (
            not change
            or form.has_changed()
            or any(formset.has_changed() for formset in formsets)
        )
        if not changed:
            # Nothing to save; the formsets still record that they saved nothing.
            super().save_related(request, form, formsets, change)
            return

        def write_related() -> None:
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        question = services.save_draft(
            question=form.instance,
            user=request.user,
            expected_version=form.cleaned_data.get("expected_version")
            if change
            else None,
            save_related=write_related,
        )
        if question.status == Status.IN_REVIEW:
            messages.warning(
                request,
                "This answer is in review: the reviewer now sees your new version.",
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except WorkflowError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(request.get_full_path())

    # Admin action.

    @admin.action(description="Submit selected answers for review")
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        submitted = 0
        for question in queryset:
            try:
                services.submit_for_review(question=question, user=request.user)
                submitted += 1
            except WorkflowError as error:
                messages.error(request, str(error))
        if submitted:
            messages.success(request, f"Submitted {submitted} for review.")

    # Workflow pages.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/review/",
                view(self.review_view),
                name="answers_question_review",
            ),
            path(
                "<int:pk>/submit/",
                view(self.submit_view),
                name="answers_question_submit",
            ),
            path(
                "<int:pk>/unpublish/",
                view(self.unpublish_view),
                name="answers_question_unpublish",
            ),
            path(
                "<int:pk>/revisions/<int:number>/",
                view(self.revision_detail_view),
                name="answers_question_revision_detail",
            ),
            *super().get_urls(),
        ]

    def _question(self, request: HttpRequest, pk: int | str) -> Question:
        if not str(pk).isdigit():
            raise Http404("No such question.")
        question = (
            Question.objects.select_related("condition", "live_revision", "last_review")
            .filter(pk=pk)
            .first()
        )
        if question is None:
            raise Http404("No such question.")
        if not self.has_view_or_change_permission(request, question):
            raise PermissionDenied
        return question

    def _render(
        self,
        request,
        template: str,
        question: Question,
        title: str,
        *,
        status: int = 200,
        **extra,
    ):
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

    def _refused(self, request, error: Exception) -> int:
        """Show why a step was refused; the status is 403 when it was refused
        for who the user is (role, four-eyes), not for the answer's state."""
        messages.error(request, str(error))
        return 403 if isinstance(error, NotAllowed) else 200

    def _done(self, request, question: Question, message: str) -> HttpResponse:
        messages.success(request, message)
        return HttpResponseRedirect(self._url("change", question))

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
        diff = (
            field_diffs(
                _content_rows(live.content()), _content_rows(content), CONTENT_LABELS
            )
            if live
            else None
        )
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
        status = 200
        if request.method == "POST":
            try:
                services.submit_for_review(
                    question=question,
                    user=request.user,
                    expected_version=int(request.POST.get("expected_version", "0")),
                )
                return self._done(request, question, "Submitted for medical review.")
            except (WorkflowError, ValueError) as error:
                status = self._refused(request, error)
        checks = run_checks(
            question.draft_content(), show_criteria=question.show_criteria
        )
        return self._render(
            request,
            "submit.html",
            question,
            f"Submit for review: {question}",
            status=status,
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
        status = 200
        if request.method == "POST":
            try:
                services.roll_back(
                    question=question,
                    user=request.user,
                    revision=revision,
                    expected_version=int(request.POST.get("expected_version", "0")),
                )
                return self._done(
                    request,
                    question,
                    f"Revision {revision.number} is the draft again. Submit it for "
                    "review to publish it.",
                )
            except (WorkflowError, ValueError) as error:
                status = self._refused(request, error)
        diff = field_diffs(
            _content_rows(question.draft_content()),
            _content_rows(revision.content()),
            CONTENT_LABELS,
        )
        return self._render(
            request,
            "revision_detail.html",
            question,
            f"Approved revision {revision.number}: {revision.question_text}",
            status=status,
            revision=revision,
            diff=diff,
        )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """History: restore a saved draft through the workflow, never by overwriting
        workflow state the way a plain django-reversion revert would."""
        question = self._question(request, unquote(object_id))
        version = self._version(str(question.pk), version_id)
        status = 200
        if request.method == "POST":
            try:
                services.restore_from_history(
                    question=question,
                    user=request.user,
                    version=version,
                    expected_version=int(request.POST.get("expected_version", "0")),
                )
                return self._done(
                    request, question, "Restored that version as the current draft."
                )
            except (WorkflowError, ValueError) as error:
                status = self._refused(request, error)
        rows = compare_rows(snapshot_of_object(question), snapshot_of_version(version))
        return self._render(
            request,
            "restore_version.html",
            question,
            f"Saved version of {question}",
            status=status,
            version=version,
            rows=rows,
            history_url=reverse(
                "admin:answers_question_history", args=[quote(question.pk)]
            ),
        )

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied


# --- Audit trail (read-only) ------------------------------------------------


@admin.register(AnswerRevision)
class AnswerRevisionAdmin(ReadOnlyAdmin):
    list_display = [
        "question_text",
        "number",
        "reviewer_name",
        "approved_at",
        "content_changed",
    ]
    list_filter = ["content_changed"]
    list_select_related = ["question"]
    search_fields = ["question_text", "reviewer_name"]
    date_hierarchy = "approved_at"
    exclude = ["body_html"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "question",
        "action",
        "actor_name",
        "reviewer_name",
        "draft_version",
    ]
    list_filter = ["action"]
    list_select_related = ["question"]
    search_fields = ["question__text", "actor_name", "comment"]
    date_hierarchy = "created_at"

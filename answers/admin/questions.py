"""Questions and their draft answers in the admin: the list (with the review
queues), the change form with its references, the save path and the "submit
selected" action.

Saving goes through `services.save_draft`, which checks the draft version the
editor started from. The workflow pages the change form links to (review,
submit, unpublish, revisions, restore) live in `answers.admin.workflow`.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from answers import services
from answers.admin.workflow import QuestionWorkflowMixin
from answers.exceptions import StaleDraft, WorkflowError
from answers.models import DRAFT_FIELDS, Question, Reference, Status
from answers.queues import REVIEW_QUEUES
from diseasemaps.lib.admin_history import HistoryCompareAdmin

ADMIN_CSS = {"all": ["css/admin.css"]}


def _date(value: datetime.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


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

    def get_extra(
        self, request: HttpRequest, obj: Question | None = None, **kwargs
    ) -> int:
        return 0 if obj else 1


class MultilineTextField(forms.CharField):
    """Browsers send line breaks as CRLF; compare and store them as LF, so an
    untouched textarea is not mistaken for an edit."""

    def to_python(self, value: str | None) -> str:
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

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in REVIEW_QUEUES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in REVIEW_QUEUES:
            return queryset
        _, narrow = REVIEW_QUEUES[self.value()]
        return narrow(queryset, request.user, timezone.localdate())


@admin.register(Question)
class QuestionAdmin(QuestionWorkflowMixin, HistoryCompareAdmin):
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

    def get_fieldsets(
        self, request: HttpRequest, obj: Question | None = None
    ) -> list[tuple[str | None, dict]]:
        if obj is None:
            return [
                fs
                for fs in self.fieldsets
                if fs[0] not in {"Workflow", "Review history"}
            ]
        return self.fieldsets

    def get_readonly_fields(
        self, request: HttpRequest, obj: Question | None = None
    ) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.revisions.exists():
            # Published once, its address and history belong to its condition
            # (answers.services.save_draft refuses the move too).
            fields.append("condition")
        return fields

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

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm,
        formsets: list[BaseFormSet],
        change: bool,
    ) -> None:
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

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
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

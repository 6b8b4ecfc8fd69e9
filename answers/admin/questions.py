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
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from answers import services
from answers.admin.common import DraftAdmin, DraftForm
from answers.admin.workflow import QueueFilter, WorkflowMixin
from answers.exceptions import WorkflowError
from answers.models import DRAFT_FIELDS, Question, Reference

ADMIN_CSS = {"all": ["css/admin.css"]}
# The window of the yes/no figures in the question list.
FIGURES_DAYS = 90


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


class QuestionAdminForm(DraftForm):
    class Meta:
        model = Question
        fields = DRAFT_FIELDS
        field_classes = {"short_answer": MultilineTextField, "body": MultilineTextField}

    def clean_text(self) -> str:
        # The question is a heading, a page title and a mail subject: one line
        # (content files refuse a multi-line question too).
        text = self.cleaned_data["text"]
        if "\n" in text or "\r" in text:
            raise ValidationError("Write the question on a single line.")
        return text

    def clean_change_summary(self) -> str:
        # One line in a list on the public page and in the corrections feed.
        summary = self.cleaned_data["change_summary"]
        if "\n" in summary or "\r" in summary:
            raise ValidationError("Write the change summary on a single line.")
        return summary


@admin.register(Question)
class QuestionAdmin(WorkflowMixin, DraftAdmin):
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
        "helpful",
        "reports",
    ]
    # No filter by condition: its sidebar would list every condition (7,000 at
    # full size, most of the page's weight); search by condition name instead.
    list_filter = [QueueFilter, "status", "topic"]
    list_select_related = ["condition", "live_revision", "last_review"]
    # "N of 100,000" would count every question on each page of a queue.
    show_full_result_count = False
    # A reviewer works a queue a screenful at a time and pages on; 100 rows
    # of 9 columns made this the admin's slowest page (each row costs about
    # 1 ms of the admin's own rendering; make bench, "awaiting my review").
    list_per_page = 50
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
            {
                "fields": [
                    "short_answer",
                    "body",
                    "show_criteria",
                    "change_summary",
                    "expected_version",
                ]
            },
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

    def view_on_site(self, obj: Question) -> str:
        # Only a live answer has a public page (any other answers 404, or 410
        # once unpublished): "View on site" opens the review screen's preview.
        if obj.live_revision_id is None:
            return self._url("review", obj)
        return obj.get_absolute_url()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        since = timezone.now() - datetime.timedelta(days=FIGURES_DAYS)
        return super().get_queryset(request).with_reader_figures(since)

    # List columns.

    @admin.display(
        description=f"helpful ({FIGURES_DAYS} days)", ordering="helpful_share"
    )
    def helpful(self, obj: Question) -> str:
        """ "Did this answer your question?": the share of yes, of how many."""
        share = getattr(obj, "helpful_share", None)
        if share is None:
            return "—"
        return f"{share:.0f}% of {obj.vote_count}"

    @admin.display(description="open reports", ordering="open_reports")
    def reports(self, obj: Question) -> str:
        count = getattr(obj, "open_reports", 0)
        if not count:
            return "0"
        return format_html(
            '<a href="{}?question__id__exact={}&amp;queue=open">{}</a>',
            reverse("admin:answers_feedback_changelist"),
            obj.pk,
            count,
        )

    # Change-page panels.

    # Admin action.

    @admin.action(description="Submit selected answers for review")
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        submitted = 0
        for question in queryset:
            try:
                services.submit_for_review(item=question, user=request.user)
                submitted += 1
            except WorkflowError as error:
                messages.error(request, str(error))
        if submitted:
            messages.success(request, f"Submitted {submitted} for review.")

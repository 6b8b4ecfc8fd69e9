"""The audit trail in the admin, read-only: approved revisions and the
workflow steps (submitted, approved, changes requested, ...).

Only the services write these rows; nobody adds, edits or deletes them here.
"""

from django.contrib import admin

from answers.models import AnswerRevision, ReviewEvent
from diseasemaps.lib.admin import ReadOnlyAdmin


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

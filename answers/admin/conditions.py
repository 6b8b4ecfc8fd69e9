"""Conditions in the admin, with their codes and diagnostic criteria inline.

Saving goes through `services.save_condition` (a restore from History too),
which writes the codes and criteria in the same transaction and republishes
every page that shows the condition's facts.
"""

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from answers import services
from answers.admin.common import SavedByServiceAdmin
from answers.models import Condition, ConditionCode, CriteriaList


class ConditionCodeInline(admin.TabularInline):
    model = ConditionCode
    extra = 0


class CriteriaListInline(admin.StackedInline):
    model = CriteriaList
    extra = 0
    fields = ["order", "category", "items", "source", "version"]


@admin.register(Condition)
class ConditionAdmin(SavedByServiceAdmin):
    save_service = staticmethod(services.save_condition)
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

"""Conditions in the admin, with their codes inline, and their diagnostic
criteria sets on a page of their own (with the set's groups inline).

Codes are picked from the terminology catalogue, never typed: the inline's
autocomplete searches active concepts of the current releases by name or
code (answers/admin/terminology.py), the model refuses one that is not active
in the current release of its system, and `services.save_draft` checks again
in its transaction. The form also offers the names the sources give the
condition's codes, to add to its other names.

The admin has no nested inlines, so a condition's form lists its criteria sets
with links to edit them or add one. A criteria set is part of its condition's
draft facts: saving or deleting one (a restore from History too) goes through
`services.save_draft` for the condition, which writes the set and its groups
in the same transaction, records the condition's version in History and its
audit event; readers see the change once a reviewer approves the facts.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from answers import services
from answers.admin.common import DraftAdmin, DraftForm, SavedByServiceAdmin
from answers.admin.workflow import QueueFilter, WorkflowMixin
from answers.exceptions import StaleDraft
from answers.models import (
    Concept,
    Condition,
    ConditionCode,
    CriteriaGroup,
    CriteriaSet,
    non_blank_lines,
)
from answers.models.catalogue import CONDITION_DRAFT_FIELDS
from answers.terminology.codes import synonym_names
from diseasemaps.lib import names


class ConditionCodeForm(forms.ModelForm):
    """One code, picked from the catalogue (`concept`); its system and code
    follow the pick. `ConditionCode.clean` refuses a code that is not active
    in the current release of its system, naming the code, system and release."""

    class Meta:
        model = ConditionCode
        fields = ["concept"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A code saved before the catalogue has no concept until one is picked.
        self.fields["concept"].required = self.instance.pk is None

    def _post_clean(self) -> None:
        # A code left as it was is not checked again: a code a new release
        # retired must not block the edit that replaces it. The review
        # screen's checks and the "terminology changed" notice report it.
        if self.instance.pk is not None and not self.has_changed():
            return
        super()._post_clean()


class ConditionCodeFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.is_valid() or self._should_delete_form(form):
                continue
            code = form.instance
            if not code.system:
                continue
            if (code.system, code.code) in seen:
                raise forms.ValidationError(
                    f"{code.system} {code.code} is listed twice; remove one."
                )
            seen.add((code.system, code.code))


class ConditionCodeInline(admin.TabularInline):
    model = ConditionCode
    form = ConditionCodeForm
    formset = ConditionCodeFormSet
    extra = 0
    # Searched by name or code among active concepts of the current releases
    # (ConceptAdmin.get_search_results); each shows "ORPHA:2905 — POEMS syndrome".
    autocomplete_fields = ["concept"]
    fields = ["concept", "system", "code", "checked"]
    readonly_fields = ["system", "code", "checked"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("concept__release__source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "concept":
            # The picked concept's label reads its release and source.
            kwargs["queryset"] = Concept.objects.select_related("release__source")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="in the catalogue")
    def checked(self, obj: ConditionCode) -> str:
        concept = obj.concept
        if concept is None:
            return "—"
        state = "active" if concept.is_active else concept.get_status_display()
        current = "current" if concept.release.is_current else "older"
        return (
            f"{concept.name} ({state} in {concept.system} {current} release "
            f"{concept.release.version})"
        )


class ConditionAdminForm(DraftForm):
    """The condition's draft facts. "Other names from the catalogue" offers
    the names the sources give the condition's codes, not yet among its
    other names; the ones ticked are added to them on save."""

    catalogue_names = forms.MultipleChoiceField(
        label="Other names from the catalogue",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Names the terminology sources give this condition's codes. "
        "Tick the ones readers may know it by: they are added to the other names "
        "when you save.",
    )

    class Meta:
        model = Condition
        fields = CONDITION_DRAFT_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["catalogue_names"].choices = (
            catalogue_name_choices(self.instance) if self.instance.pk else []
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        picked = cleaned.get("catalogue_names") or []
        if picked:
            synonyms = non_blank_lines(cleaned.get("synonyms", ""))
            known = {names.normalise(name) for name in synonyms}
            synonyms += [n for n in picked if names.normalise(n) not in known]
            cleaned["synonyms"] = "\n".join(synonyms)
        return cleaned


def catalogue_name_choices(condition: Condition) -> list[tuple[str, str]]:
    """(name, "name (kind, source)") for each name the sources give the
    condition's codes that it does not have yet: the preferred names of
    sources that list conditions (ICD-10-CM's are classification headings,
    not names) and the other names that name the condition itself."""
    concepts = list(
        Concept.objects.filter(condition_codes__condition=condition)
        .select_related("release__source")
        .distinct()
    )
    have = {names.normalise(condition.name), names.normalise(condition.acronym)}
    have |= {names.normalise(name) for name in condition.synonym_list}
    offered = [
        (concept.name, "preferred name", concept.system)
        for concept in concepts
        if concept.release.source.lists_conditions
    ]
    offered += [
        (name.name, name.get_kind_display(), name.concept.system)
        for name in synonym_names(concepts)
    ]
    choices, seen = [], set()
    for name, kind, system in offered:
        key = names.normalise(name)
        if key and key not in have and key not in seen:
            seen.add(key)
            choices.append((name, f"{name} ({kind}, {system})"))
    return choices


@admin.register(Condition)
class ConditionAdmin(WorkflowMixin, DraftAdmin):
    form = ConditionAdminForm
    inlines = [ConditionCodeInline]
    list_display = [
        "name",
        "acronym",
        "status_display",
        "last_reviewed",
        "review_due",
        "question_count",
    ]
    list_filter = [QueueFilter, "status"]
    list_select_related = ["live_revision", "last_review"]
    search_fields = ["name", "acronym", "synonyms", "slug"]
    # The question form's condition autocomplete pages through this list: it
    # needs a stable order (Django warns, and pages could repeat or skip).
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "criteria_sets",
        "workflow",
        "review_history",
        "approved_revisions",
    ]
    fieldsets = [
        ("Workflow", {"fields": ["workflow"]}),
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "acronym",
                    "acronym_expansion",
                    "expected_version",
                ]
            },
        ),
        (
            "Description",
            {"fields": ["synonyms", "catalogue_names", "summary", "prevalence"]},
        ),
        ("Diagnostic criteria", {"fields": ["criteria_sets"]}),
        ("Review", {"fields": ["review_interval_days"]}),
        (
            "Review history",
            {
                "fields": ["review_history", "approved_revisions"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_fieldsets(
        self, request: HttpRequest, obj: Condition | None = None
    ) -> list[tuple[str | None, dict]]:
        if obj is None:
            # A new condition has no codes yet, so no names from them either.
            return [
                (
                    name,
                    {
                        **options,
                        "fields": [
                            f for f in options["fields"] if f != "catalogue_names"
                        ],
                    },
                )
                for name, options in self.fieldsets
                if name not in {"Workflow", "Review history"}
            ]
        return self.fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_questions=Count("questions"))

    @admin.display(description="questions", ordering="_questions")
    def question_count(self, obj: Condition) -> int:
        return obj._questions

    def view_on_site(self, obj: Condition) -> str | None:
        # A condition has a public page only once one of its answers is live;
        # before that "View on site" opens the review screen's preview.
        if not Condition.objects.published().filter(pk=obj.pk).exists():
            return self._url("review", obj)
        return obj.get_absolute_url()

    @admin.display(description="Criteria sets")
    def criteria_sets(self, obj: Condition) -> str:
        if obj.pk is None:
            return "Save the condition first, then add its diagnostic criteria sets."
        sets = obj.criteria_sets.annotate(_groups=Count("groups"))
        listed = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({} groups; {})</li>',
            (
                (
                    reverse("admin:answers_criteriaset_change", args=[s.pk]),
                    s.title,
                    s._groups,
                    f"rule: {s.rule}" if s.rule.strip() else "no rule yet",
                )
                for s in sets
            ),
        )
        add = reverse("admin:answers_criteriaset_add") + f"?condition={obj.pk}"
        return format_html(
            '<ul class="dm-criteria-sets">{}</ul><p><a href="{}" class="addlink">'
            "Add a criteria set</a></p>",
            listed or format_html("<li>{}</li>", "None yet."),
            add,
        )


class CriteriaGroupInline(admin.StackedInline):
    model = CriteriaGroup
    fields = ["order", "category", "count_rule", "items"]
    extra = 0
    # A set without groups would show a rule with nothing to apply it to.
    min_num = 1

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        # The admin passes min_num but never validate_min: without it, a set
        # could still be saved with every group removed.
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class CriteriaSetForm(forms.ModelForm):
    """A criteria set, with the draft version of its condition when the form
    was opened: a set is part of the condition's draft facts, so a save over a
    newer version of them is refused, as on the condition's own form."""

    condition_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CriteriaSet
        fields = [
            "condition",
            "title",
            "applies_to",
            "rule",
            "source",
            "version",
            "order",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        condition_id = self.instance.condition_id or self.initial.get("condition")
        self.fields["condition_version"].initial = (
            Condition.objects.filter(pk=condition_id)
            .values_list("draft_version", flat=True)
            .first()
            if condition_id
            else None
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        condition, version = cleaned.get("condition"), cleaned.get("condition_version")
        if condition is not None and version is not None:
            try:
                services.check_version(
                    services.lock(condition),
                    version,
                    "Nothing was saved. Copy your changes, reload the page and "
                    "apply them to the newer version.",
                )
            except StaleDraft as error:
                raise forms.ValidationError(str(error)) from None
        return cleaned


@admin.register(CriteriaSet)
class CriteriaSetAdmin(SavedByServiceAdmin):
    """A criteria set with its groups. It belongs to its condition: saving or
    deleting it is a draft edit of the condition (`_save_condition`)."""

    inlines = [CriteriaGroupInline]
    list_display = ["title", "condition", "version", "group_count", "order"]
    list_select_related = ["condition"]
    search_fields = ["title", "source", "condition__name"]
    autocomplete_fields = ["condition"]
    form = CriteriaSetForm
    fields = [
        "condition",
        "title",
        "applies_to",
        "rule",
        "source",
        "version",
        "order",
        "condition_version",
    ]

    # A set's saved versions come back with its condition's, through the
    # condition's History (a draft edit of its facts), never on their own.
    def revision_view(self, request, object_id, version_id, extra_context=None):
        raise PermissionDenied

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_groups=Count("groups"))

    @admin.display(description="groups", ordering="_groups")
    def group_count(self, obj: CriteriaSet) -> int:
        return obj._groups

    def save_related(self, request, form, formsets, change) -> None:
        criteria_set = form.instance

        def save_set_and_groups() -> None:
            criteria_set.save()
            admin.ModelAdmin.save_related(self, request, form, formsets, change)

        _save_condition(
            request,
            criteria_set.condition,
            save_set_and_groups,
            expected_version=form.cleaned_data.get("condition_version"),
        )

    def delete_model(self, request: HttpRequest, obj: CriteriaSet) -> None:
        _save_condition(request, obj.condition, obj.delete)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        by_condition: dict[int, list[CriteriaSet]] = {}
        for criteria_set in queryset.select_related("condition"):
            by_condition.setdefault(criteria_set.condition_id, []).append(criteria_set)
        for sets in by_condition.values():
            _save_condition(
                request, sets[0].condition, lambda sets=sets: _delete_all(sets)
            )


def _save_condition(
    request: HttpRequest,
    condition: Condition,
    save_related: Callable[[], None],
    *,
    expected_version: int | None = None,
) -> None:
    """A change to a criteria set is a change to its condition's draft facts:
    over the version the editor saw (the set's form), or, for a deletion
    confirmed on its own page, the version now."""
    condition = Condition.objects.get(pk=condition.pk)
    services.save_draft(
        item=condition,
        user=request.user,
        expected_version=expected_version or condition.draft_version,
        save_related=save_related,
    )


def _delete_all(rows: Iterable[CriteriaSet]) -> None:
    for row in rows:
        row.delete()

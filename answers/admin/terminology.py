"""The terminology catalogue in the admin, read-only for everyone, superusers
included: sources (with their licence and attribution), releases (with the
report of what each changed) and concepts (with their other names,
cross-references and status).

The catalogue is what `manage.py import_terminology` loaded from the
sources' own releases; an edit here would make it say something its source
never said, so there is none. Two things happen from these pages: the
condition form's code picker searches concepts here (the admin's autocomplete,
narrowed to what a condition may carry), and a writer can start a draft
condition from a concept (`services.start_condition`).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from answers import services
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import (
    Change,
    Concept,
    ConceptStatus,
    Condition,
    TerminologyRelease,
    TerminologySource,
)
from diseasemaps.lib.admin import ReadOnlyAdmin

# A release's change page lists this many of its changes; the counts say how
# many there are in all (a new ICD-10-CM release changes hundreds of codes).
CHANGES_SHOWN = 200


def pickable(queryset: QuerySet) -> QuerySet:
    """Concepts a condition may carry: active, in the current release of a
    system for conditions (GARD, ORPHA, ICD-10-CM; not HPO's phenotypes)."""
    return queryset.filter(
        release__is_current=True,
        release__source__for_conditions=True,
        status=ConceptStatus.ACTIVE,
    )


@admin.register(TerminologySource)
class TerminologySourceAdmin(ReadOnlyAdmin):
    list_display = [
        "system",
        "name",
        "current_release",
        "licence",
        "for_conditions",
        "lists_conditions",
    ]
    search_fields = ["system", "name"]
    fields = [
        "system",
        "name",
        "key",
        "publisher",
        "homepage",
        "package",
        "licence",
        "licence_url",
        "attribution",
        "code_prefix",
        "code_url",
        "for_conditions",
        "lists_conditions",
        "release_list",
    ]
    readonly_fields = ["release_list"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        current = TerminologyRelease.objects.filter(
            source=OuterRef("pk"), is_current=True
        ).values("version")[:1]
        return super().get_queryset(request).annotate(_current=Subquery(current))

    @admin.display(description="current release", ordering="_current")
    def current_release(self, obj: TerminologySource) -> str:
        return obj._current or "—"

    @admin.display(description="releases loaded")
    def release_list(self, obj: TerminologySource) -> str:
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>{} ({} concepts, loaded {})</li>',
            (
                (
                    reverse("admin:answers_terminologyrelease_change", args=[r.pk]),
                    r.version,
                    " — current" if r.is_current else "",
                    f"{r.concept_count:,}",
                    f"{r.loaded_at:%Y-%m-%d}",
                )
                for r in obj.releases.order_by("-loaded_at")
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "None loaded."


@admin.register(TerminologyRelease)
class TerminologyReleaseAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "released_on",
        "is_current",
        "concept_count",
        "name_count",
        "report_counts",
        "loaded_at",
    ]
    list_filter = ["source", "is_current"]
    list_select_related = ["source"]
    fields = [
        "source",
        "version",
        "released_on",
        "package",
        "digest",
        "loaded_at",
        "is_current",
        "concept_count",
        "name_count",
        "report_counts",
        "changes_list",
    ]
    readonly_fields = ["report_counts", "changes_list"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("source")

    @admin.display(description="changes against the release before")
    def report_counts(self, obj: TerminologyRelease) -> str:
        report = obj.report or {}
        if not report.get("previous"):
            return "First release loaded: nothing to compare with."
        counts = report.get("counts", {})
        changes = ", ".join(
            f"{counts.get(change, 0):,} {change}" for change in Change.values
        )
        return f"Against {report['previous']}: {changes}."

    @admin.display(description="changes")
    def changes_list(self, obj: TerminologyRelease) -> str:
        total = obj.changes.count()
        if not total:
            return "None."
        rows = format_html_join(
            "",
            "<li>{} {}: {}</li>",
            (
                (change.code, change.get_change_display(), _described(change))
                for change in obj.changes.all()[:CHANGES_SHOWN]
            ),
        )
        more = (
            format_html("<p>… and {} more.</p>", f"{total - CHANGES_SHOWN:,}")
            if total > CHANGES_SHOWN
            else ""
        )
        return format_html("<ul>{}</ul>{}", rows, more)


def _described(change) -> str:
    if change.change == Change.ADDED:
        return change.new_name
    if change.change == Change.RENAMED:
        return f"“{change.old_name}” → “{change.new_name}”"
    if change.change == Change.REPLACED:
        return f"{change.old_name} (replaced by {change.replaced_by or '?'})"
    return change.old_name


@admin.register(Concept)
class ConceptAdmin(ReadOnlyAdmin):
    change_form_template = "admin/answers/concept/change_form.html"
    list_display = ["label", "name", "status", "kind", "release"]
    list_filter = ["release__source", "status", "release__is_current"]
    list_select_related = ["release__source"]
    # By the (release, code) unique index: ordering by the release's own
    # ordering would sort 130,000 rows through two joins on every page.
    ordering = ["release_id", "code"]
    # Codes from their start ("G70" finds G70.0 and G70.01), names anywhere.
    search_fields = ["^code", "name"]
    fields = [
        "release",
        "code",
        "name",
        "status",
        "replaced_by",
        "kind",
        "categories",
        "names",
        "cross_references",
        "used_by",
    ]
    readonly_fields = ["names", "cross_references", "used_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The label and str() read the release's source: one query, not one
        # per row (the list, the autocomplete's results, the inline's picks).
        return super().get_queryset(request).select_related("release__source")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if request.resolver_match and request.resolver_match.url_name == (
            "autocomplete"
        ):
            # The code picker of the condition form: only what a condition
            # may carry, and "ORPHA:2905" finds ORPHA's 2905.
            queryset = pickable(queryset)
            system, search_term = _prefixed(search_term)
            if system:
                queryset = queryset.filter(release__source__system=system)
            # By system, then code: a short list, cheap to sort.
            queryset = queryset.order_by("release__source__system", "code")
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="code", ordering="code")
    def label(self, obj: Concept) -> str:
        return obj.label

    @admin.display(description="other names")
    def names(self, obj: Concept) -> str:
        rows = format_html_join(
            "",
            "<li>{} <small>({})</small></li>",
            ((n.name, n.get_kind_display()) for n in obj.other_names.all()),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "None."

    @admin.display(description="cross-references")
    def cross_references(self, obj: Concept) -> str:
        rows = format_html_join(
            "",
            "<li>{}:{} <small>(mapping: {})</small></li>",
            ((x.system, x.code, x.get_mapping_display()) for x in obj.xrefs.all()),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "None."

    @admin.display(description="conditions with this code")
    def used_by(self, obj: Concept) -> str:
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("admin:answers_condition_change", args=[c.pk]), c.name)
                for c in _conditions_with(obj)
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "None."

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:pk>/start-condition/",
                self.admin_site.admin_view(self.start_condition_view),
                name="answers_concept_start_condition",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if (
            obj is not None
            and request.user.has_perm("answers.add_condition")
            and pickable(Concept.objects.filter(pk=obj.pk)).exists()
        ):
            context["start_condition_url"] = reverse(
                "admin:answers_concept_start_condition", args=[obj.pk]
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def start_condition_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _start_condition(request, self, pk)


@require_POST
def _start_condition(
    request: HttpRequest, model_admin: ConceptAdmin, pk: int
) -> HttpResponse:
    """Start a draft condition from the concept, then open its form."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    concept = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    try:
        condition = services.start_condition(concept=concept, user=request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except WorkflowError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(
            reverse("admin:answers_concept_change", args=[concept.pk])
        )
    messages.success(
        request,
        f"Draft condition “{condition}” started from {concept}, with "
        f"{condition.codes.count()} codes and {len(condition.synonym_list)} other "
        "names. Check them, write its facts, then submit it for review.",
    )
    return HttpResponseRedirect(
        reverse("admin:answers_condition_change", args=[condition.pk])
    )


def _conditions_with(concept: Concept) -> QuerySet:
    return Condition.objects.filter(
        codes__system=concept.release.source.system, codes__code=concept.code
    ).distinct()


def _prefixed(term: str) -> tuple[str, str]:
    """("ORPHA", "2905") for "ORPHA:2905", a code as its source writes it;
    ("", term) for anything else. HPO's "HP:" is part of its codes."""
    term = term.strip()
    if ":" not in term:
        return "", term
    for system, prefix in TerminologySource.objects.exclude(code_prefix="").values_list(
        "system", "code_prefix"
    ):
        if term.upper().startswith(prefix.upper()):
            return system, term[len(prefix) :].strip()
    return "", term

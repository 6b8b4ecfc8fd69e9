"""Catalogue-only conditions: what the plain page at
/conditions/catalogue/<source>/<code>/ shows about a GARD or Orphanet concept
that no published condition carries, and where the address leads otherwise.

The page is for a reader who searched for a condition we have no reviewed
answers for: it names the condition as its source does, with its codes, the
release they come from, its other names and the attribution each source's
licence asks for, and nothing else: no summary, no medical claim. Which
concepts make one entry (GARD and Orphanet spelling a name alike) is the
condition-name index's decision (answers/name_index.py), read back here.

- A concept that a published condition carries: 301 to that condition.
- A concept the current release replaced: 301 to its replacement's address.
- A concept the current release retired, or that is only in an older
  release: 404, with a page that says so (a reader may have followed an old
  link; the code must not look current, and search engines must drop it).
- Anything else unknown, and sources that do not list conditions (HPO,
  ICD-10-CM): 404.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from answers.models import (
    Concept,
    ConceptName,
    ConceptStatus,
    Condition,
    ConditionName,
    IndexedNameKind,
    NameKind,
    TerminologySource,
)
from diseasemaps.lib.names import normalise

ENTRY_NAMES = [IndexedNameKind.NAME, IndexedNameKind.PREFERRED]
NOT_SAME = [NameKind.BROAD, NameKind.NARROW]


@dataclass
class Lookup:
    """Where /conditions/catalogue/<source>/<code>/ leads."""

    concept: Concept | None = None
    condition: Condition | None = None
    replaced_by: Concept | None = None
    retired: Concept | None = None


@dataclass
class CatalogueEntry:
    concept: Concept
    members: list[Concept]
    other_names: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[TerminologySource]:
        found = {
            member.release.source_id: member.release.source for member in self.members
        }
        return list(found.values())


def _concepts():
    return Concept.objects.filter(
        release__source__lists_conditions=True
    ).select_related("release__source")


def lookup(source: str, code: str) -> Lookup:
    """The concept at this address in the current release, and the condition
    that carries it; or what became of it."""
    concept = (
        _concepts()
        .filter(release__source__key=source, release__is_current=True, code=code)
        .first()
    )
    if concept is None:
        older = (
            _concepts()
            .filter(release__source__key=source, code=code)
            .order_by("-release__loaded_at")
            .first()
        )
        return Lookup(retired=older)
    if concept.status != ConceptStatus.ACTIVE:
        replacement = None
        if concept.replaced_by:
            replacement = (
                _concepts()
                .filter(
                    release=concept.release,
                    code=concept.replaced_by,
                    status=ConceptStatus.ACTIVE,
                )
                .first()
            )
        if replacement is not None:
            return Lookup(replaced_by=replacement)
        return Lookup(retired=concept)
    carrier = (
        ConditionName.objects.filter(
            found_in=concept,
            kind__in=ENTRY_NAMES,
            phenotype=False,
            condition__isnull=False,
        )
        .select_related("condition")
        .only("condition__public_slug", "condition__public_name")
        .order_by("condition__public_name")
        .first()
    )
    return Lookup(concept=concept, condition=carrier.condition if carrier else None)


def entry(concept: Concept) -> CatalogueEntry:
    """The entry the concept belongs to: its concepts (the first gives the
    name) and their other names, each spelling once."""
    primary = (
        ConditionName.objects.filter(
            found_in=concept, kind__in=ENTRY_NAMES, phenotype=False
        )
        .values_list("concept_id", flat=True)
        .first()
    ) or concept.pk
    members = {
        member.pk: member
        for member in _concepts().filter(
            Q(pk=concept.pk)
            | Q(
                pk__in=ConditionName.objects.filter(
                    concept_id=primary,
                    kind__in=ENTRY_NAMES,
                    phenotype=False,
                ).values("found_in")
            )
        )
    }
    ordered = sorted(
        members.values(),
        key=lambda m: (m.pk != primary, m.release.source.system, m.code),
    )
    found = CatalogueEntry(concept=ordered[0], members=ordered)
    seen = {normalise(ordered[0].name)}
    names = [member.name for member in ordered[1:]] + list(
        ConceptName.objects.filter(concept__in=ordered)
        .exclude(kind__in=NOT_SAME)
        .order_by("concept", "pk")
        .values_list("name", flat=True)
    )
    for name in names:
        spelling = normalise(name)
        if spelling and spelling not in seen:
            seen.add(spelling)
            found.other_names.append(name)
    return found

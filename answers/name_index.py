"""The condition-name index: `ConditionName`, one row per name readers may
find a condition by, written here and only here.

Search's "Conditions" block and the A–Z index read it (public/
condition_search.py, public/views.py), so they know every catalogue name
without reading a draft or the whole catalogue on each request:

- a published condition (`Condition.objects.published()`) is found by its
  approved name and, from its approved facts, acronym, expansion and other
  names; and by every name the catalogue gives the GARD and Orphanet
  concepts it carries: those its approved codes point at in the current
  releases, every concept spelt exactly like one of those (GARD and Orphanet
  both list POEMS syndrome), and every concept spelt exactly like its
  approved name (a condition coded only in ICD-10-CM is still the one
  readers mean). Codes of systems that do not list conditions (ICD-10-CM)
  add no names: a classification code names a group ("Other specified
  neoplasms…" covers POEMS syndrome and Castleman disease alike).
- every other active concept of a current GARD or Orphanet release is a
  catalogue-only entry leading to its plain page; concepts whose preferred
  names normalise alike are one entry, so "POEMS syndrome" is listed once.
- HPO phenotypes that Orphanet records for a disease, by name, exact synonym
  and lay term ("Drooping upper eyelid" for Ptosis), so search can answer a
  reader who describes a sign.

`answers.publication` keeps it fresh: `refresh` runs inside the transaction
of every change to a condition's public facts or answers (so a draft never
enters it and an approval is findable at once), `rebuild` after a terminology
release is loaded; `manage.py rebuild_search_index` runs `rebuild` too.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from answers.models import (
    Concept,
    ConceptFeature,
    ConceptName,
    ConceptStatus,
    Condition,
    ConditionName,
    IndexedNameKind,
    NameKind,
)
from diseasemaps.lib.names import initial, normalise

BATCH = 2_000
# Which concept of an entry that several share gives it its page and name:
# GARD's names are the ones written for the public.
SOURCE_ORDER = {"gard": 0, "orphanet": 1}
# Catalogue names that are not another name of the same condition.
NOT_SAME = [NameKind.BROAD, NameKind.NARROW]
# An HPO term's names that mean the sign itself (related terms may not).
PHENOTYPE_NAMES = [NameKind.EXACT, NameKind.LAY]
ENTRY_NAMES = [IndexedNameKind.NAME, IndexedNameKind.PREFERRED]


@dataclass
class CatalogueConcept:
    id: int
    code: str
    name: str
    source: str
    system: str
    names: list[tuple[str, str]] = field(default_factory=list)

    @property
    def spelling(self) -> str:
        return normalise(self.name)

    @property
    def order(self) -> tuple:
        return (SOURCE_ORDER.get(self.source, len(SOURCE_ORDER)), self.source, self.id)


def _catalogue(scope: Q) -> dict[int, CatalogueConcept]:
    """The active concepts of current releases of sources that list
    conditions, within `scope`, with their other names (two queries)."""
    concepts = Concept.objects.filter(
        scope,
        release__is_current=True,
        release__source__lists_conditions=True,
        status=ConceptStatus.ACTIVE,
    )
    found = {
        pk: CatalogueConcept(pk, code, name, source, system)
        for pk, code, name, source, system in concepts.values_list(
            "pk", "code", "name", "release__source__key", "release__source__system"
        )
    }
    names = (
        ConceptName.objects.filter(concept__in=concepts)
        .exclude(kind__in=NOT_SAME)
        .order_by("concept", "pk")
        .values_list("concept_id", "name", "kind")
    )
    for concept_id, name, kind in names:
        found[concept_id].names.append((name, kind))
    return found


def _published_conditions(scope: Q) -> list[Condition]:
    return list(
        Condition.objects.published()
        .filter(scope)
        .select_related("live_revision")
        .only(
            "public_name",
            "live_revision__acronym",
            "live_revision__acronym_expansion",
            "live_revision__synonyms",
            "live_revision__codes",
        )
        .order_by("pk")
    )


def _codes(condition: Condition) -> list[tuple[str, str]]:
    facts = condition.live_revision
    if facts is None:
        return []
    return [
        (entry.get("system", ""), entry.get("code", ""))
        for entry in facts.codes
        if isinstance(entry, dict)
    ]


class _Entry:
    """The rows of one entry: its name first, then its other names, each
    spelling listed in the A–Z once."""

    def __init__(self, name: str, found_in: int | None = None, **leads_to) -> None:
        self.leads_to = leads_to
        self.rows: list[ConditionName] = []
        self.seen: set[tuple[str, int | None]] = set()
        self.listed: set[str] = set()
        self.add(name, IndexedNameKind.NAME, found_in)

    def add(self, name: str, kind: str, found_in: int | None = None) -> None:
        spelling = normalise(name)[:500]
        if not spelling or (spelling, found_in) in self.seen:
            return
        self.seen.add((spelling, found_in))
        listed = spelling not in self.listed
        self.listed.add(spelling)
        self.rows.append(
            ConditionName(
                name=name.strip()[:500],
                normalised=spelling,
                initial=initial(spelling),
                kind=kind,
                listed=listed,
                found_in_id=found_in,
                **self.leads_to,
            )
        )

    def add_concept(self, concept: CatalogueConcept) -> None:
        self.add(concept.name, IndexedNameKind.PREFERRED, concept.id)
        for name, kind in concept.names:
            self.add(name, kind, concept.id)


def _build(
    conditions: list[Condition],
    catalogue: dict[int, CatalogueConcept],
    elsewhere: set[int] = frozenset(),
) -> list[ConditionName]:
    """Rows for these published conditions and for the concepts of
    `catalogue` that none of them carries (nor a condition outside this
    build: `elsewhere`)."""
    groups: dict[str, list[CatalogueConcept]] = {}
    for concept in sorted(catalogue.values(), key=lambda c: c.order):
        groups.setdefault(concept.spelling, []).append(concept)
    by_code = {(c.system, c.code): c for c in catalogue.values()}
    rows: list[ConditionName] = []
    carried: set[str] = set()
    for condition in conditions:
        entry = _Entry(condition.public_name, condition=condition)
        facts = condition.live_revision
        if facts is not None:
            entry.add(facts.acronym, IndexedNameKind.ACRONYM)
            entry.add(facts.acronym_expansion, IndexedNameKind.EXPANSION)
            for name in facts.synonym_list:
                entry.add(name, IndexedNameKind.SYNONYM)
        spellings = [
            by_code[code].spelling for code in _codes(condition) if code in by_code
        ]
        spellings.append(normalise(condition.public_name))
        for spelling in dict.fromkeys(spellings):
            for concept in groups.get(spelling, []):
                entry.add_concept(concept)
            if spelling in groups:
                carried.add(spelling)
        rows += entry.rows
    for spelling, group in groups.items():
        members = [concept for concept in group if concept.id not in elsewhere]
        if spelling in carried or not members:
            continue
        primary, *others = members
        entry = _Entry(primary.name, found_in=primary.id, concept_id=primary.id)
        for name, kind in primary.names:
            entry.add(name, kind, primary.id)
        for concept in others:
            entry.add_concept(concept)
        rows += entry.rows
    return rows


def _phenotype_rows() -> list[ConditionName]:
    """HPO terms that a current disease release records for some disease, by
    their name, exact synonyms and lay terms."""
    recorded = ConceptFeature.objects.filter(
        concept__release__is_current=True,
        concept__release__source__lists_conditions=True,
    ).values("phenotype")
    terms = Concept.objects.filter(
        release__is_current=True,
        kind="phenotype",
        status=ConceptStatus.ACTIVE,
        code__in=recorded,
    )
    entries = {
        pk: _Entry(name, found_in=pk, concept_id=pk, phenotype=True)
        for pk, name in terms.values_list("pk", "name")
    }
    for concept_id, name, kind in (
        ConceptName.objects.filter(concept__in=terms, kind__in=PHENOTYPE_NAMES)
        .order_by("concept", "pk")
        .values_list("concept_id", "name", "kind")
    ):
        entries[concept_id].add(name, kind, concept_id)
    rows = [row for entry in entries.values() for row in entry.rows]
    for row in rows:
        # Signs are searched, never listed as conditions.
        row.listed = False
    return rows


def _write(rows: list[ConditionName]) -> None:
    for start in range(0, len(rows), BATCH):
        ConditionName.objects.bulk_create(rows[start : start + BATCH])


def refresh(*, conditions: Iterable[int]) -> None:
    """Bring the index up to date for these conditions (ids), after a change
    to their public facts or answers, in the caller's transaction.

    The concepts they carried before and carry now change hands: a concept a
    condition no longer carries (unpublished, or a code removed) is listed
    again as catalogue-only, unless another published condition carries it.
    A fixed number of queries, whatever the size of the index.
    """
    ids = set(conditions)
    if not ids:
        return
    published = _published_conditions(Q(pk__in=ids))
    codes = {code for condition in published for code in _codes(condition)}
    spellings = {normalise(condition.public_name) for condition in published}
    coded: dict[int, CatalogueConcept] = {}
    if codes:
        by_code = Q()
        for system, code in sorted(codes):
            by_code |= Q(release__source__system=system, code=code)
        coded = _catalogue(by_code)
        spellings |= {concept.spelling for concept in coded.values()}
    named = ConditionName.objects.filter(phenotype=False, found_in__isnull=False)
    # What they carried before, and every concept spelt like what they carry
    # now (found through the index: the catalogue has no normalised names).
    affected = set(coded) | set(
        named.filter(
            Q(condition__in=ids)
            | Q(kind__in=ENTRY_NAMES, normalised__in=spellings - {""})
        ).values_list("found_in", flat=True)
    )
    catalogue = _catalogue(Q(pk__in=affected)) if affected else {}
    elsewhere = set(
        named.filter(found_in__in=affected, condition__isnull=False)
        .exclude(condition__in=ids)
        .values_list("found_in", flat=True)
    )
    ConditionName.objects.filter(
        Q(condition__in=ids)
        | Q(
            Q(concept__in=affected) | Q(found_in__in=affected),
            condition__isnull=True,
            phenotype=False,
        )
    ).delete()
    _write(_build(published, catalogue, elsewhere))


def rebuild() -> int:
    """Write the whole index again, in one transaction (readers keep the old
    one until it commits). Returns the number of names written."""
    with transaction.atomic():
        ConditionName.objects.all().delete()
        rows = _build(_published_conditions(Q()), _catalogue(Q()))
        rows += _phenotype_rows()
        _write(rows)
    return len(rows)

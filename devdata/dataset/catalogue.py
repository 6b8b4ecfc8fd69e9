"""The conditions a generated data set may have: real ones, from the
terminology catalogue, never made-up names or codes.

A load test should search the names readers type and show the codes pages
really carry, so every generated condition is a concept of the catalogue's
current releases: first GARD's diseases (its preferred name and synonyms,
with the GARD code, plus the ORPHA code of the Orphanet disease whose name is
the same once normalised by `diseasemaps.lib.names.normalise`, the spelling
search compares), then the Orphanet diseases no GARD name covers (their name
and ORPHA code). There are no ICD-10-CM codes: neither source maps its
diseases to ICD-10-CM, and a guessed code would be a made-up one. Only the
summaries, prevalence and criteria around the names are generated (and say
so).

The generator reads the catalogue from the database; `manage.py
generate_dataset` loads the two sources first if they are missing (the same
load as `manage.py import_terminology gard orphanet`), and, for a dry run,
counts from the packaged files instead.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from answers.models import ConceptName, ConceptStatus, TerminologyRelease
from answers.terminology.loading import LoadResult, Progress, announce_changes, load
from answers.terminology.sources import SOURCES
from diseasemaps.lib.names import normalise

# The sources conditions come from, by source key.
KEYS = ["gard", "orphanet"]

# A GARD other name that is the initials of the preferred name ("ADTKD" for
# "Autosomal dominant tubulointerstitial kidney disease") is its acronym, and
# the preferred name is what it stands for; other abbreviations stay other
# names, since we cannot say what they expand to.
ABBREVIATION = re.compile(r"[A-Z][A-Z0-9]{1,9}")

# A first word ending like this is a medical word, not a person's name, so it
# starts with a small letter inside a sentence ("Is piebaldism contagious?",
# but "Is Pfeiffer syndrome contagious?").
MEDICAL_ENDINGS = (
    "ia",
    "osis",
    "iasis",
    "itis",
    "ism",
    "oma",
    "pathy",
    "plasia",
    "trophy",
    "emia",
    "chisis",
    "al",
    "ic",
    "ous",
    "ive",
    "ary",
    "phy",
    "aly",
    "yly",
    "cele",
)


@dataclass(frozen=True)
class Term:
    """One concept as the generator reads it: from the database (with its
    id, for `ConditionCode.concept`) or, for a dry run, from the package."""

    system: str
    code: str
    name: str
    release: str
    concept_id: int | None = None
    synonyms: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def as_code(self) -> dict:
        """The code as an approved revision records it (`CheckedCode`)."""
        return {
            "system": self.system,
            "code": self.code,
            "name": self.name,
            "release": self.release,
        }


@dataclass(frozen=True)
class CatalogueCondition:
    source: str  # the system of the concept it is named after
    name: str
    inside: str  # the name inside a sentence
    acronym: str  # with the name as its expansion, or ""
    synonyms: list[str]
    # In ConditionCode's order (system, code), as draft_content() lists them.
    codes: list[Term] = field(default_factory=list)
    categories: tuple[str, ...] = ()


@dataclass
class Catalogue:
    releases: dict[str, str]  # system -> version
    conditions: list[CatalogueCondition]

    def describe(self) -> str:
        return ", ".join(
            f"{system} {version}" for system, version in self.releases.items()
        )


def missing() -> list[str]:
    """The source keys with no current release in the catalogue."""
    loaded = set(
        TerminologyRelease.objects.filter(
            is_current=True, source__key__in=KEYS
        ).values_list("source__key", flat=True)
    )
    return [key for key in KEYS if key not in loaded]


def load_missing(progress: Progress | None = None) -> list[LoadResult]:
    """Load the sources that are missing, from the pinned packages, as
    `manage.py import_terminology` does (each in a transaction of its own:
    reference data that stays, whatever the generator does next), then
    announced once, as the command does after all its sources."""
    results = []
    for key in missing():
        source = SOURCES[key]

        def report(stage: str, done: int, total: int, system=source.system) -> None:
            if progress is not None:
                progress(f"{system} {stage}", done, total)

        results.append(load(source, source.read(), progress=report, announce=False))
    if any(result.created for result in results):
        announce_changes()
    return results


def read(*, packaged: Iterable[str] = ()) -> Catalogue:
    """The conditions the catalogue's current releases give, in the order the
    generator prefers them (GARD, then Orphanet's own). Sources in
    `packaged` are read from their package instead (a dry run's count)."""
    packaged = set(packaged)
    releases: dict[str, str] = {}
    terms: dict[str, list[Term]] = {}
    for key in KEYS:
        system = SOURCES[key].system
        release, terms[key] = (
            _from_package(key) if key in packaged else _from_database(key)
        )
        releases[system] = release
    return Catalogue(releases, _conditions(terms["gard"], terms["orphanet"]))


def _from_database(key: str) -> tuple[str, list[Term]]:
    release = (
        TerminologyRelease.objects.filter(source__key=key, is_current=True)
        .select_related("source")
        .first()
    )
    if release is None:
        return "", []
    synonyms: dict[int, list[str]] = {}
    for concept_id, name in ConceptName.objects.filter(
        concept__release=release
    ).values_list("concept_id", "name"):
        synonyms.setdefault(concept_id, []).append(name)
    concepts = release.concepts.filter(status=ConceptStatus.ACTIVE).values_list(
        "pk", "code", "name", "categories"
    )
    return release.version, [
        Term(
            system=release.source.system,
            code=code,
            name=name,
            release=release.version,
            concept_id=pk,
            # ConceptName's order is by name; GARD's own order is lost, so
            # the name order it is, on every run.
            synonyms=tuple(sorted(synonyms.get(pk, []))),
            categories=tuple(categories or ()),
        )
        for pk, code, name, categories in concepts
    ]


def _from_package(key: str) -> tuple[str, list[Term]]:
    source = SOURCES[key]
    data = source.read()
    return data.version, [
        Term(
            system=source.system,
            code=record.code,
            name=record.name,
            release=data.version,
            synonyms=tuple(sorted(name for name, _ in record.names)),
            categories=tuple(record.categories),
        )
        for record in data.concepts
        if record.status == ConceptStatus.ACTIVE
    ]


def _conditions(gard: list[Term], orpha: list[Term]) -> list[CatalogueCondition]:
    by_code = sorted(gard, key=_code_order)
    orpha = sorted(orpha, key=_code_order)
    orpha_by_name = {normalise(term.name): term for term in orpha}
    # A synonym matches an Orphanet name only when one GARD disease has it.
    owners: dict[str, set[str]] = {}
    for term in by_code:
        for name in {normalise(term.name), *map(normalise, term.synonyms)}:
            owners.setdefault(name, set()).add(term.code)
    common = _common_words([term.name for term in [*by_code, *orpha]])
    conditions, matched = [], set()
    for term in by_code:
        codes = [term]
        candidates = [normalise(term.name)] + [
            key
            for key in map(normalise, term.synonyms)
            if owners.get(key) == {term.code}
        ]
        for key in candidates:
            other = orpha_by_name.get(key)
            if other is not None and other.code not in matched:
                matched.add(other.code)
                codes.append(other)
                break
        conditions.append(_condition(term, codes, common))
    # Orphanet's own diseases: no GARD name (preferred or other) is theirs.
    for term in orpha:
        if term.code in matched or normalise(term.name) in owners:
            continue
        conditions.append(_condition(term, [term], common))
    return conditions


def _condition(term: Term, codes: list[Term], common: set[str]) -> CatalogueCondition:
    initials = "".join(
        word[0].upper() for word in re.findall(r"[A-Za-z0-9]+", term.name)
    )
    acronym = next(
        (
            synonym
            for synonym in term.synonyms
            if ABBREVIATION.fullmatch(synonym) and synonym == initials
        ),
        "",
    )
    seen = {term.name.casefold(), acronym.casefold()}
    synonyms = []
    for synonym in term.synonyms:
        if synonym.casefold() not in seen:
            seen.add(synonym.casefold())
            synonyms.append(synonym)
    return CatalogueCondition(
        source=term.system,
        name=term.name,
        inside=_inside(term.name, common),
        acronym=acronym,
        synonyms=synonyms,
        codes=sorted(codes, key=lambda code: (code.system, code.code)),
        categories=term.categories,
    )


def _code_order(term: Term) -> tuple[int, str]:
    return (int(term.code), "") if term.code.isdigit() else (0, term.code)


def _common_words(names: list[str]) -> set[str]:
    """Words that the catalogue's names write in small letters after their
    first word ("congenital", "adult"): ordinary words, not people's names."""
    return {
        word
        for name in names
        for word in re.findall(r"[A-Za-z]+", name)[1:]
        if word.islower()
    }


def _inside(name: str, common: set[str]) -> str:
    """The name inside a sentence: a first word that is an ordinary word
    loses its capital ("familial renal hypoplasia"); a person's name, an
    acronym or a gene symbol keeps it ("Pfeiffer syndrome", "CANOMAD
    syndrome")."""
    first = re.split(r"[\s,-]", name, maxsplit=1)[0]
    if not (first[:1].isupper() and first[1:].islower()):
        return name
    word = first.lower()
    if word in common or word.endswith(MEDICAL_ENDINGS):
        return name[0].lower() + name[1:]
    return name

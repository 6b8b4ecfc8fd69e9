"""Checking a code against the catalogue: a code on a condition must exist,
active, in the current release of its system (ICD-10-CM is not ICD-10).

`check_code` is what the admin's forms, the content import and the services
call; `resolve_codes` answers for many codes in one query, for the
pre-approval checks and for snapshots of approved facts. They live beside
the catalogue's models (answers/models/terminology.py), because the models
check their own codes too (`ConditionCode.clean`, `Condition.draft_content`,
`ConditionRevision.code_list`); this module is where the rest of the project
finds them, with what matching a condition's names needs.
"""

from answers.models import Concept, ConceptName, ConceptStatus, NameKind
from answers.models.terminology import (
    CheckedCode,
    ShownCode,
    check_code,
    current_releases,
    find_concepts,
    normalise,
    problem,
    resolve_codes,
    shown_codes,
)
from diseasemaps.lib import names

__all__ = [
    "NOT_SYNONYMS",
    "CheckedCode",
    "ShownCode",
    "check_code",
    "current_releases",
    "find_concepts",
    "normalise",
    "problem",
    "resolve_codes",
    "same_name_concepts",
    "shown_codes",
    "synonym_names",
]

# Other names that are not names of the condition itself: ICD-10-CM's
# inclusion terms are what its code also covers, broader and narrower terms
# other conditions, and related terms only related. Never offered as synonyms.
NOT_SYNONYMS = {NameKind.INCLUSION, NameKind.BROAD, NameKind.NARROW, NameKind.RELATED}


def same_name_concepts(concept: Concept) -> list[Concept]:
    """Active concepts in the current releases of the other systems that
    conditions may use whose preferred name is exactly this concept's (case,
    accents and punctuation aside): the same condition, as they code it."""
    key = names.normalise(concept.name)
    # The database narrows by the name's longest plain word (icontains cannot
    # ignore accents, so a word with one is not used); Python compares exactly.
    words = [word for word in key.split() if word.isascii() and word.isalnum()]
    candidates = Concept.objects.filter(
        release__is_current=True,
        release__source__for_conditions=True,
        status=ConceptStatus.ACTIVE,
    ).exclude(release__source_id=concept.release.source_id)
    if words:
        candidates = candidates.filter(name__icontains=max(words, key=len))
    return [
        candidate
        for candidate in candidates.select_related("release__source").order_by(
            "release__source__system", "code"
        )
        if names.normalise(candidate.name) == key
    ]


def synonym_names(concepts: list[Concept]) -> list[ConceptName]:
    """The other names these concepts' sources give that are names of the
    condition itself (not `NOT_SYNONYMS`), in the concepts' order."""
    order = {concept.pk: position for position, concept in enumerate(concepts)}
    found = (
        ConceptName.objects.filter(concept__in=concepts)
        .exclude(kind__in=NOT_SYNONYMS)
        .select_related("concept__release__source")
    )
    return sorted(found, key=lambda name: (order[name.concept_id], name.name))

"""Phase 2 of the generator: conditions, with their codes, diagnostic criteria
sets and synonyms, and their facts as a reviewer approved them.

Everything later hangs off a condition: questions are asked about one,
members live with one, posts tell of one. Each condition is a real one from
the terminology catalogue (`devdata.dataset.catalogue`: its name, other
names, acronym and codes); its summary, prevalence and criteria are
generated. This phase writes the conditions, each with live facts (an
approved `ConditionRevision` and its review trail, written by
`devdata.dataset.facts`; a few with a newer change in review), and hands each
on as a `GeneratedCondition` (the name, the search terms and the criteria
already made, so later phases do not make them again per row), with how
popular each is among members.
"""

import json
import random
from dataclasses import dataclass, field
from itertools import accumulate

from django.conf import settings
from django.utils.text import slugify
from markdown_it.common.utils import escapeHtml

from answers import search_index
from answers.models import (
    Condition,
    ConditionCode,
    ConditionRevision,
    CriteriaGroup,
    CriteriaSet,
    ReviewEvent,
)
from devdata.dataset import catalogue as terminology
from devdata.dataset import facts as facts_trail
from devdata.dataset import text
from devdata.dataset.accounts import StaffAccounts
from devdata.dataset.context import DAY, Run
from devdata.dataset.placeholders import NAME_AT_START, fill
from devdata.dataset.sizes import DatasetError
from diseasemaps.lib.markdown import render_answer

CONDITION_FIELDS = [
    "id",
    "name",
    "slug",
    "acronym",
    "acronym_expansion",
    "synonyms",
    "summary",
    "prevalence",
    "review_interval_days",
    # The workflow: live facts, and the approved name and address.
    "status",
    "draft_version",
    "live_revision",
    "last_review",
    "next_review_due",
    "public_name",
    "public_slug",
    "created_at",
    "updated_at",
]
CODE_FIELDS = ["id", "condition", "concept", "system", "code"]
CRITERIA_SET_FIELDS = [
    "id",
    "condition",
    "title",
    "applies_to",
    "source",
    "version",
    "rule",
    "order",
]
CRITERIA_GROUP_FIELDS = [
    "id",
    "criteria_set",
    "category",
    "count_rule",
    "items",
    "order",
]


@dataclass(slots=True)
class GeneratedCondition:
    index: int
    id: int
    name: str
    inside: str  # the name inside a sentence ("familial renal hypoplasia")
    interval_days: int
    specialty: str
    organ: str
    criteria_json: str = "[]"
    terms: str = ""
    question_ids: list[int] = field(default_factory=list)

    @property
    def html_name(self) -> str:
        return escapeHtml(self.name)

    @property
    def html_inside(self) -> str:
        return escapeHtml(self.inside)

    def named(self, source: str) -> str:
        """Text made with name placeholders, with this condition's name."""
        return fill(source, self.name, self.inside)

    def named_html(self, source: str) -> str:
        """HTML made with name placeholders, with this condition's name."""
        return fill(source, self.html_name, self.html_inside)


@dataclass
class Conditions:
    items: list[GeneratedCondition]
    # Cumulative weights for drawing a member's conditions: a few conditions
    # gather most members (Zipf-like).
    popularity: list[float]


def write_conditions(run: Run, staff: StaffAccounts) -> Conditions:
    rng = run.rng("conditions")
    total = run.sizes.conditions
    chosen = pick(rng, terminology.read(), total)
    trails = facts_trail.FactsTrails(run)
    pending = trails.pending(total)
    # Summary source and HTML per template choice, with a placeholder for the
    # name: rendered once each, not once per condition (see placeholders).
    summaries: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    condition_id = run.loader.next_id(Condition)
    code_id = run.loader.next_id(ConditionCode)
    set_id = run.loader.next_id(CriteriaSet)
    group_id = run.loader.next_id(CriteriaGroup)
    used_slugs = set(Condition.objects.values_list("slug", flat=True))
    made: list[GeneratedCondition] = []
    conditions, codes, sets, groups = [], [], [], []
    for index, real in enumerate(chosen):
        name = real.name
        slug = base = slugify(name.replace("–", "-"))[:90] or "condition"
        suffix = 2
        while slug in used_slugs:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        used_slugs.add(slug)
        site, specialty = _site(rng, real.categories)
        organ = text.SITES[site][1]
        acronym, expansion = real.acronym, name if real.acronym else ""
        synonym_list = list(real.synonyms)
        # A condition with a change in review gets its last other name from
        # that change: a real name, added after the approval (facts.py).
        held_back = synonym_list.pop() if index in pending and synonym_list else ""
        synonyms = "\n".join(synonym_list)
        interval = rng.choices([None, 180, 730], weights=[80, 12, 8])[0]
        created = run.at(rng.uniform(5.2, 6) * 365 * DAY)
        prevalence = rng.choice(text.PREVALENCES).format(
            a=rng.randint(1, 9), b=rng.randint(20, 300)
        )
        kind = rng.choice(text.KINDS)
        onset = rng.choice(text.ONSETS)
        course = rng.choice(text.COURSES)
        key = (kind, organ, onset, course)
        if key not in summaries:
            source = text.SUMMARY.format(
                name=NAME_AT_START, kind=kind, organ=organ, onset=onset, course=course
            )
            summaries[key] = (source, str(render_answer(source)))
        condition = GeneratedCondition(
            index=index,
            id=condition_id,
            name=name,
            inside=real.inside,
            interval_days=interval or settings.DEFAULT_REVIEW_INTERVAL_DAYS,
            specialty=specialty,
            organ=organ,
        )
        summary = condition.named(summaries[key][0])
        for term in real.codes:
            codes.append(
                (code_id, condition_id, term.concept_id, term.system, term.code)
            )
            code_id += 1
        if rng.random() < 0.12:
            # One set, in the shape of CriteriaSet.snapshot(): approved
            # revisions copy it, as services.approve would.
            snapshot = _criteria_set(rng, condition)
            condition.criteria_json = json.dumps([snapshot])
            sets.append(
                (
                    set_id,
                    condition_id,
                    snapshot["title"],
                    snapshot["applies_to"],
                    snapshot["source"],
                    snapshot["version"],
                    snapshot["rule"],
                    1,
                )
            )
            for order, group in enumerate(snapshot["groups"], start=1):
                groups.append(
                    (
                        group_id,
                        set_id,
                        group["category"],
                        group["count_rule"],
                        "\n".join(group["items"]),
                        order,
                    )
                )
                group_id += 1
            set_id += 1
        # The facts as `Condition.draft_content()` gives them from these rows,
        # codes in the order of ConditionCode's Meta.ordering, each with the
        # source's name and the release it was checked against.
        facts = facts_trail.Facts(
            condition_id=condition_id,
            interval_days=condition.interval_days,
            created=created,
            name=name,
            slug=slug,
            acronym=acronym,
            acronym_expansion=expansion,
            synonyms=synonyms,
            synonyms_json=json.dumps(synonym_list),
            summary=summary,
            summary_html=condition.named_html(summaries[key][1]),
            prevalence=prevalence,
            codes_json=json.dumps([term.as_code() for term in real.codes]),
            criteria_json=condition.criteria_json,
            held_back=held_back,
        )
        trail = trails.write(
            facts,
            staff.writers,
            staff.by_specialty.get(specialty, staff.reviewers),
            index in pending,
        )
        # Readers find the condition by its approved names, not the draft's.
        condition.terms = search_index.condition_terms(
            Condition(
                public_name=name,
                live_revision=ConditionRevision(
                    acronym=acronym, acronym_expansion=expansion, synonyms=synonym_list
                ),
            )
        )
        draft = {"synonyms": synonyms, "prevalence": prevalence, **trail.changes}
        conditions.append(
            (
                condition_id,
                name,
                slug,
                acronym,
                expansion,
                draft["synonyms"],
                summary,
                draft["prevalence"],
                interval,
                trail.status,
                trail.version,
                trail.live_revision,
                trail.last_review,
                trail.next_review_due,
                name,
                slug,
                created,
                trail.last_event,
            )
        )
        made.append(condition)
        condition_id += 1
    run.loader.write(Condition, CONDITION_FIELDS, conditions)
    run.loader.write(ConditionCode, CODE_FIELDS, codes)
    run.loader.write(CriteriaSet, CRITERIA_SET_FIELDS, sets)
    run.loader.write(CriteriaGroup, CRITERIA_GROUP_FIELDS, groups)
    run.loader.write(ConditionRevision, facts_trail.REVISION_FIELDS, trails.revisions)
    run.loader.write(ReviewEvent, facts_trail.EVENT_FIELDS, trails.events)
    order = list(range(total))
    rng.shuffle(order)
    weights = [0.0] * total
    for rank, index in enumerate(order, start=1):
        weights[index] = 1 / rank**0.85
    run.progress("conditions", total, total)
    return Conditions(items=made, popularity=list(accumulate(weights)))


def pick(
    rng: random.Random, catalogue: terminology.Catalogue, total: int
) -> list[terminology.CatalogueCondition]:
    """`total` conditions of the catalogue: GARD's first, drawn at random so a
    small data set is a mix; Orphanet's own only when GARD's are all taken.
    The command caps --conditions at what the catalogue has, so asking for
    more here is a mistake."""
    available = catalogue.conditions
    if total > len(available):
        raise DatasetError(
            f"The terminology catalogue ({catalogue.describe()}) names "
            f"{len(available):,} conditions; {total:,} were asked for."
        )
    gard = [c for c in available if c.source == "GARD"]
    first = rng.sample(gard, min(total, len(gard)))
    rest = [c for c in available if c.source != "GARD"]
    return first + rng.sample(rest, total - len(first))


# GARD's categories, and the specialty whose organs a summary may name; a
# condition in none of them (e.g. only "Genetics") gets any organ.
CATEGORY_SPECIALTIES = {
    "Neurology": "Neurology",
    "Leukodystrophy": "Neurology",
    "Dermatology": "Dermatology",
    "Nephrology": "Nephrology",
    "Hematology": "Haematology",
    "Gastroenterology": "Gastroenterology",
    "Pulmonology": "Respiratory medicine",
    "Endocrine": "Endocrinology",
    "Inborn Errors of Metabolism": "Metabolic medicine",
    "Lysosomal": "Metabolic medicine",
    "Mitochondrial": "Metabolic medicine",
}


def _site(rng: random.Random, categories: tuple[str, ...]) -> tuple[int, str]:
    """The organ a generated summary names (an index into text.SITES) and
    the specialty of the reviewer who approves it, from the condition's GARD
    categories where they say something, so that a real skin disease is not
    said to affect the kidneys."""
    specialties = [
        CATEGORY_SPECIALTIES[c] for c in categories if c in CATEGORY_SPECIALTIES
    ]
    if specialties:
        specialty = specialties[0]
        sites = [i for i, site in enumerate(text.SITES) if site[2] == specialty]
        return rng.choice(sites), specialty
    return rng.randrange(len(text.SITES)), rng.choice(text.SPECIALTIES)


def _criteria_set(rng: random.Random, condition: GeneratedCondition) -> dict:
    """A criteria set as `CriteriaSet.snapshot()` gives it."""
    year = rng.randint(2012, 2025)
    source = text.CRITERIA_SOURCE.format(
        name=condition.name, journal=rng.choice(text.JOURNALS), year=year
    )
    version = rng.choice(["", f"{year} update", f"Version {rng.randint(1, 3)}"])
    count = rng.randint(1, 3)
    # Drawn without replacement across the groups: no criterion is both major
    # and minor.
    pool = rng.sample(text.CRITERIA_ITEMS, len(text.CRITERIA_ITEMS))
    groups = []
    for category, count_rule in text.CRITERIA_GROUPS[:count]:
        drawn, pool = pool[: rng.randint(2, 4)], pool[4:]
        items = [
            item.format(organ=condition.organ, inheritance=rng.choice(text.INHERITANCE))
            for item in drawn
        ]
        groups.append({"category": category, "count_rule": count_rule, "items": items})
    return {
        "title": f"Diagnostic criteria for {condition.name}",
        "applies_to": rng.choice(text.CRITERIA_APPLIES_TO).format(
            name=condition.inside
        ),
        "source": source,
        "version": version,
        "rule": text.CRITERIA_RULES[count - 1],
        "groups": groups,
    }

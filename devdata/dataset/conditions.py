"""Phase 2 of the generator: conditions, with their codes, diagnostic criteria
and synonyms.

Everything later hangs off a condition: questions are asked about one,
members live with one, posts tell of one. This phase writes the conditions and
hands each on as a `GeneratedCondition` (the name, the search terms and the
criteria already made, so later phases do not make them again per row), with
how popular each is among members.
"""

import json
import random
import re
from dataclasses import dataclass, field
from itertools import accumulate

from django.conf import settings
from django.utils.text import slugify
from markdown_it.common.utils import escapeHtml

from answers import search_index
from answers.models import CodingSystem, Condition, ConditionCode, CriteriaList
from devdata.dataset import text
from devdata.dataset.context import DAY, Run
from devdata.dataset.placeholders import fill

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
    "created_at",
    "updated_at",
]
CODE_FIELDS = ["id", "condition", "system", "code"]
CRITERIA_FIELDS = ["id", "condition", "category", "items", "source", "version", "order"]

# A diagnostic criteria list: (category, items, source, version).
Criteria = tuple[str, list[str], str, str]


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


def write_conditions(run: Run) -> Conditions:
    rng = run.rng("conditions")
    total = run.sizes.conditions
    condition_id = run.loader.next_id(Condition)
    code_id = run.loader.next_id(ConditionCode)
    criteria_id = run.loader.next_id(CriteriaList)
    used_names: set[str] = set()
    used_slugs = set(Condition.objects.values_list("slug", flat=True))
    made: list[GeneratedCondition] = []
    conditions, codes, criteria = [], [], []
    for index in range(total):
        name, inside, site = _name(rng)
        while name.casefold() in used_names:
            name, inside, site = _name(rng)
        used_names.add(name.casefold())
        slug = base = slugify(name.replace("–", "-"))[:90]
        suffix = 2
        while slug in used_slugs:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        used_slugs.add(slug)
        if site is None:
            site = rng.randrange(len(text.SITES))
            specialty = rng.choice(text.SPECIALTIES)
        else:
            specialty = text.SITES[site][2]
        organ = text.SITES[site][1]
        acronym = expansion = ""
        if rng.random() < 0.3:
            words = re.findall(r"[A-Za-zÀ-ÿ]+", name.split(" type ")[0])
            acronym = "".join(word[0].upper() for word in words)[:8]
            if " type " in name:
                acronym += name.rsplit(" type ", 1)[1]
            expansion = name
        synonyms = _synonyms(rng, name, site)
        interval = rng.choices([None, 180, 730], weights=[80, 12, 8])[0]
        created = run.at(rng.uniform(5.2, 6) * 365 * DAY)
        prevalence = rng.choice(text.PREVALENCES).format(
            a=rng.randint(1, 9), b=rng.randint(20, 300)
        )
        summary = text.SUMMARY.format(
            name=name,
            kind=rng.choice(text.KINDS),
            organ=organ,
            onset=rng.choice(text.ONSETS),
            course=rng.choice(text.COURSES),
        )
        conditions.append(
            (
                condition_id,
                name,
                slug,
                acronym,
                expansion,
                synonyms,
                summary,
                prevalence,
                interval,
                created,
                created,
            )
        )
        condition = GeneratedCondition(
            index=index,
            id=condition_id,
            name=name,
            inside=inside,
            interval_days=interval or settings.DEFAULT_REVIEW_INTERVAL_DAYS,
            specialty=specialty,
            organ=organ,
        )
        condition.terms = search_index.condition_terms(
            Condition(
                name=name,
                acronym=acronym,
                acronym_expansion=expansion,
                synonyms=synonyms,
            )
        )
        for system, code in _codes(rng, index):
            codes.append((code_id, condition_id, system, code))
            code_id += 1
        if rng.random() < 0.12:
            lists = _criteria(rng, condition)
            condition.criteria_json = json.dumps(
                [
                    {
                        "category": category,
                        "items": items,
                        "source": source,
                        "version": version,
                    }
                    for category, items, source, version in lists
                ]
            )
            for order, (category, items, source, version) in enumerate(lists, 1):
                criteria.append(
                    (
                        criteria_id,
                        condition_id,
                        category,
                        "\n".join(items),
                        source,
                        version,
                        order,
                    )
                )
                criteria_id += 1
        made.append(condition)
        condition_id += 1
    run.loader.write(Condition, CONDITION_FIELDS, conditions)
    run.loader.write(ConditionCode, CODE_FIELDS, codes)
    run.loader.write(CriteriaList, CRITERIA_FIELDS, criteria)
    order = list(range(total))
    rng.shuffle(order)
    weights = [0.0] * total
    for rank, index in enumerate(order, start=1):
        weights[index] = 1 / rank**0.85
    run.progress("conditions", total, total)
    return Conditions(items=made, popularity=list(accumulate(weights)))


def _name(rng: random.Random) -> tuple[str, str, int | None]:
    """A name, its form inside a sentence, and the site it names (if any)."""
    roll = rng.random()
    if roll < 0.5:
        qualifier = rng.choice(text.QUALIFIERS)
        site = rng.randrange(len(text.SITES))
        name = f"{qualifier} {text.SITES[site][0]} {rng.choice(text.PROCESSES)}"
        if rng.random() < 0.3:
            name += f" type {rng.choice(text.TYPES)}"
        inside = name if qualifier.startswith("X-") else name[0].lower() + name[1:]
        return name, inside, site
    if roll < 0.8:
        name = f"{rng.choice(text.SURNAMES)} {rng.choice(text.EPONYM_SUFFIXES)}"
    else:
        first, second = rng.sample(text.SURNAMES, 2)
        name = f"{first}–{second} {rng.choice(text.EPONYM_SUFFIXES)}"
    if rng.random() < 0.4:
        name += f" type {rng.choice(text.TYPES)}"
    return name, name, None


def _synonyms(rng: random.Random, name: str, site: int | None) -> str:
    found = []
    for _ in range(rng.choices([0, 1, 2, 3], weights=[25, 35, 25, 15])[0]):
        roll = rng.random()
        if roll < 0.4:
            first, second = rng.sample(text.SURNAMES, 2)
            synonym = f"{first}–{second} {rng.choice(text.EPONYM_SUFFIXES)}"
        elif roll < 0.7:
            adjective = text.SITES[
                site if site is not None else rng.randrange(len(text.SITES))
            ][0]
            synonym = (
                f"{rng.choice(text.QUALIFIERS)} {adjective} "
                f"{rng.choice(text.PROCESSES)}"
            )
        else:
            synonym = f"{name.split(' type ')[0]} type {rng.choice(text.TYPES)}"
        if synonym != name and synonym not in found:
            found.append(synonym)
    return "\n".join(found)


def _codes(rng: random.Random, index: int) -> list[tuple[str, str]]:
    codes = []
    if rng.random() < 0.9:
        codes.append((CodingSystem.ORPHA, str(9_000_000 + index)))
    if rng.random() < 0.7:
        stem = rng.choice(text.ICD10_STEMS)
        codes.append((CodingSystem.ICD10, f"{stem}.{rng.randint(0, 9)}"))
    if rng.random() < 0.5:
        stem = rng.choice(text.ICD11_STEMS)
        letter = rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        codes.append((CodingSystem.ICD11, f"{stem}{letter}.{rng.randint(0, 9)}"))
    if rng.random() < 0.4:
        codes.append((CodingSystem.MESH, f"C9{index:07d}"))
    if rng.random() < 0.5:
        codes.append((CodingSystem.GARD, str(900_000 + index % 100_000)))
    if rng.random() < 0.4:
        codes.append((CodingSystem.OMIM, str(900_000 + index % 100_000)))
    return codes


def _criteria(rng: random.Random, condition: GeneratedCondition) -> list[Criteria]:
    year = rng.randint(2012, 2025)
    source = text.CRITERIA_SOURCE.format(
        name=condition.name, journal=rng.choice(text.JOURNALS), year=year
    )
    version = rng.choice(["", f"{year} update", f"Version {rng.randint(1, 3)}"])
    count = rng.randint(1, 3)
    categories = text.CRITERIA_CATEGORIES[:count]
    lists = []
    for category in categories:
        items = [
            item.format(organ=condition.organ, inheritance=rng.choice(text.INHERITANCE))
            for item in rng.sample(text.CRITERIA_ITEMS, rng.randint(2, 4))
        ]
        lists.append((category, items, source, version))
    return lists

"""Search quality on the real catalogue, on PostgreSQL (issue 14, "How it is
checked"): 500 other names of conditions, sampled with a fixed seed from the
loaded GARD release (its synonyms), are searched as a reader would type them
and again with one typo each; the share where the right condition is the
first entry of the "Conditions" block, and within the first three, must meet
the goals below. The figures go to the run's "figures" summary.

A name that several different entries share ("CF", a dozen conditions'
abbreviation) has no one right condition: such names are left out of the
sample, and how many were left out is reported with the figures.

The full GARD, Orphanet and HPO releases take seconds to load, so they load
once, in `setUpTestData`, on one xdist worker.
"""

import random
import string

import pytest
from django.db.models import Q
from django.test import TestCase
from django.urls import reverse

from answers.models import ConceptName, ConditionName, IndexedNameKind
from devdata.personas import state_figure
from devdata.terminology import load_full
from diseasemaps.lib.names import normalise
from public import search

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("search_quality")]

SEED = 14
SAMPLE = 500
FIRST_GOAL, TOP_THREE_GOAL, TYPO_TOP_THREE_GOAL = 0.95, 0.99, 0.90
FIGURE = "search quality (PostgreSQL, real GARD+Orphanet+HPO, 500 GARD other names)"


def entry_url(row: ConditionName) -> str:
    if row.condition_id is not None:
        return row.condition.get_absolute_url()
    concept = row.concept
    return reverse(
        "public:catalogue_concept", args=[concept.release.source.key, concept.code]
    )


def one_typo(text: str, rng: random.Random) -> str:
    """`text` with one slip of a finger at a random letter: a letter left out,
    an extra one, a wrong one, or two neighbours swapped (never two alike)."""
    while (typo := _slip(text, rng)).casefold() == text.casefold():
        pass
    return typo


def _slip(text: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    i = rng.choice(letters)
    kind = rng.choice(["leave out", "add", "change", "swap"])
    if kind == "leave out":
        return text[:i] + text[i + 1 :]
    if kind == "add":
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i:]
    if kind == "change":
        other = [ch for ch in string.ascii_lowercase if ch != text[i].lower()]
        return text[:i] + rng.choice(other) + text[i + 1 :]
    j = i + 1 if i + 1 < len(text) else i - 1
    a, b = sorted((i, j))
    return text[:a] + text[b] + text[a] + text[b + 1 :]


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} % ({part} of {whole})"


class SearchQualityTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_full(["gard", "orphanet", "hpo"])
        # Where each concept's entry is: its reviewed condition or its page.
        entries = (
            ConditionName.objects.filter(
                phenotype=False,
                kind__in=[IndexedNameKind.NAME, IndexedNameKind.PREFERRED],
            )
            .exclude(found_in=None)
            .select_related("condition", "concept__release__source")
        )
        url_of = {row.found_in_id: entry_url(row) for row in entries}
        # Which entries each spelling names.
        named: dict[str, set] = {}
        for spelling, condition, concept in ConditionName.objects.filter(
            phenotype=False
        ).values_list("normalised", "condition_id", "concept_id"):
            named.setdefault(spelling, set()).add((condition, concept))
        names = list(
            ConceptName.objects.filter(
                Q(concept__release__source__key="gard"),
                concept__release__is_current=True,
                concept__status="active",
            )
            .order_by("pk")
            .values_list("name", "concept_id")
        )
        unambiguous = [
            (name, url_of[concept])
            for name, concept in names
            if len(named.get(normalise(name), ())) == 1
        ]
        cls.left_out = (len(names) - len(unambiguous), len(names))
        cls.sample = random.Random(SEED).sample(unambiguous, SAMPLE)
        typos = random.Random(SEED + 1)
        cls.typos = [(one_typo(name, typos), url) for name, url in cls.sample]

    def measure(self, queries: list[tuple[str, str]], label: str) -> tuple[int, int]:
        first = top_three = 0
        for q, want in queries:
            found = [match.url for match in search.search(q).names[:3]]
            first += found[:1] == [want]
            top_three += want in found
        state_figure(f"{FIGURE}: {label}, right condition first", share(first, SAMPLE))
        state_figure(
            f"{FIGURE}: {label}, within the first three", share(top_three, SAMPLE)
        )
        return first, top_three

    def test_other_names_find_their_condition(self):
        first, top_three = self.measure(self.sample, "as written")
        state_figure(
            f"{FIGURE}: names left out as shared by several conditions",
            share(*self.left_out),
        )
        self.assertGreaterEqual(first / SAMPLE, FIRST_GOAL)
        self.assertGreaterEqual(top_three / SAMPLE, TOP_THREE_GOAL)

    def test_other_names_with_a_typo_find_their_condition(self):
        for (typo, _), (name, _) in zip(self.typos, self.sample, strict=True):
            self.assertNotEqual(typo.casefold(), name.casefold())
        _, top_three = self.measure(self.typos, "one typo each")
        self.assertGreaterEqual(top_three / SAMPLE, TYPO_TOP_THREE_GOAL)

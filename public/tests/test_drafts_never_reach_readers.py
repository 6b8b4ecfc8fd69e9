"""Invariant 1, as a property: every field of every editable model that a
public page shows, changed in a draft through the service, the admin or the
content import, reaches no public page, feed, sitemap, search result or
JSON-LD before a reviewer approves it, and every one that shows it after.

Hypothesis picks the words written into the drafts; every field is tried
through every channel that can write it (the import names questions and
conditions by their slug, so it cannot change a slug: a new slug there is a
new item).
"""

import itertools
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from answers import services
from answers.interchange.files import render_condition, render_question
from answers.interchange.mapping import condition_data, question_data
from answers.models import Condition, ConditionCode, CriteriaSet, Question, Reference
from answers.tests.test_admin_workflow import change_form_data
from devdata.personas import (
    Client,
    add_code,
    add_criteria_set,
    approve_facts,
    catalogue_concept,
    condition_form,
    draft,
    make_condition,
    make_personas,
    publish,
)
from devdata.terminology import SAMPLE_CODES

pytestmark = pytest.mark.django_db
COUNTER = itertools.count(1)


@dataclass
class World:
    people: object
    condition: Condition
    question: Question
    sibling: Question
    tag: str

    def refresh(self) -> None:
        for item in (self.condition, self.question, self.sibling):
            item.refresh_from_db()


def build_world(people) -> World:
    """A condition with approved facts (an acronym, other names, a code and a
    criteria set) and two live answers, one of which shows the criteria."""
    tag = f"w{next(COUNTER)}"
    condition = make_condition(
        name=f"Quorvane syndrome {tag}",
        slug=f"quorvane-{tag}",
        acronym="QVS",
        acronym_expansion="Quorvane vascular syndrome",
        synonyms="Lindqvale disease",
        summary="A rare condition of the small vessels.",
        prevalence="About 1 in 500,000 people",
    )
    add_code(condition, "ORPHA", "2905")
    add_criteria_set(condition, title="Criteria for Quorvane syndrome")
    approve_facts(condition, writer=people.writer, reviewer=people.reviewer)
    question = draft(
        people.writer, condition, text="Is it catching?", slug="is-it-catching"
    )
    sibling = draft(
        people.writer,
        condition,
        text="How is it found?",
        slug="how-is-it-found",
        show_criteria=True,
    )
    for item in (question, sibling):
        publish(item, writer=people.writer, reviewer=people.reviewer)
    world = World(people, condition, question, sibling, tag)
    world.refresh()
    return world


# --- Surfaces: everything a reader or a crawler can get -----------------------


def texts(world: World, marker: str) -> dict[str, str]:
    """Every public surface, as text; search as its results only (the page
    repeats the query)."""
    world.refresh()
    reader = Client()
    surfaces = {
        "home": reader.get("/"),
        "index": reader.get("/conditions/"),
        "condition page": reader.get(world.condition.get_absolute_url()),
        "answer page": reader.get(world.question.get_absolute_url()),
        "sibling page": reader.get(world.sibling.get_absolute_url()),
        "sitemap": reader.get("/sitemap.xml"),
        "feed": reader.get("/feeds/answers/"),
    }
    shown = {}
    for name, response in surfaces.items():
        assert response.status_code == 200, (name, response.status_code)
        shown[name] = response.content.decode()
    results = BeautifulSoup(
        reader.get("/search/", {"q": marker}).content, "html.parser"
    ).select(".search-result, .search-conditions, .search-suggestions")
    # As text: PostgreSQL marks each matched word, splitting the value.
    shown["search results"] = " ".join(
        " ".join(result.get_text(" ").split()) for result in results
    )
    return shown


# --- Fields: how to change each, and where it must show once approved --------


@dataclass(frozen=True)
class Field:
    name: str
    model: str  # "question" or "condition"
    shown_in: tuple[str, ...]
    channels: tuple[str, ...] = ("service", "admin", "import")
    slug: bool = False
    # Surfaces that show the value's text already (another item shows it).
    not_checked: tuple[str, ...] = ()
    # Readers find the question by searching for the value (an other name).
    findable: bool = False


ANSWER = ("answer page",)
FIELDS = [
    Field("text", "question", (*ANSWER, "sibling page", "condition page", "feed")),
    Field("short_answer", "question", (*ANSWER, "condition page", "feed")),
    Field("body", "question", (*ANSWER, "search results")),
    Field("citation", "question", ANSWER),
    Field("slug", "question", ("sitemap", "sibling page"), ("service", "admin"), True),
    Field("kind", "question", ANSWER),
    Field("topic", "question", ("condition page", "sibling page")),
    Field("order", "question", ("condition page",)),
    # The criteria set is approved and shown beside the sibling already.
    Field(
        "show_criteria",
        "question",
        ANSWER,
        not_checked=("condition page", "sibling page"),
    ),
    Field("name", "condition", ("condition page", "answer page", "index", "home")),
    Field("slug", "condition", ("sitemap", "answer page"), ("service", "admin"), True),
    Field("acronym", "condition", ("condition page", "index", "answer page")),
    Field("acronym_expansion", "condition", ("condition page", "answer page")),
    Field("synonyms", "condition", ("condition page", "answer page"), findable=True),
    Field("summary", "condition", ("condition page",)),
    Field("prevalence", "condition", ("condition page",)),
    Field("code", "condition", ("condition page", "answer page")),
    Field("criteria", "condition", ("condition page", "sibling page")),
]
CASES = [(f, channel) for f in FIELDS for channel in f.channels]


def new_value(spec: Field, word: str, world: World):
    """The value written into the draft, and the text that shows it."""
    if spec.slug:
        return f"{word}-{world.tag}", f"/{word}-{world.tag}/"
    if spec.name == "kind":
        return "explainer", "Explainer"
    if spec.name == "topic":
        return "outlook", "Outlook"
    if spec.name == "order":
        return 99, None
    if spec.name == "show_criteria":
        return True, "Criteria for Quorvane syndrome"
    if spec.name == "acronym":
        return word.upper()[:8], word.upper()[:8]
    if spec.name == "code":
        # A real code, active in the sample catalogue's ORPHA release: a made-up
        # one is refused by every channel.
        pool = [code for code in SAMPLE_CODES["orphanet"] if code != "2905"]
        number = pool[int.from_bytes(word.encode()) % len(pool)]
        return number, f'data-system="ORPHA" data-code="{number}"'
    text = f"Zq{word} {world.tag}"
    return text, text


# --- Channels -----------------------------------------------------------------


def change(channel: str, spec: Field, value, world: World) -> None:
    item = world.question if spec.model == "question" else world.condition
    item.refresh_from_db()
    writer = world.people.writer
    if channel == "service":
        related = _apply(spec, value, item)
        services.save_draft(
            item=item,
            user=writer,
            expected_version=item.draft_version,
            save_related=related,
        )
    elif channel == "admin":
        _through_admin(spec, value, item, writer)
    else:
        _through_import(spec, value, world)
    item.refresh_from_db()
    assert item.events.first().action == "edited", channel


def _apply(spec: Field, value, item):
    """Set the draft field on `item`; returns what saves related rows."""
    if spec.name == "citation":
        reference = item.references.first()
        return lambda: Reference.objects.filter(pk=reference.pk).update(citation=value)
    if spec.name == "code":
        return lambda: ConditionCode.objects.create(
            condition=item, system="ORPHA", code=value
        )
    if spec.name == "criteria":
        return lambda: CriteriaSet.objects.filter(condition=item).update(title=value)
    if spec.name == "show_criteria" and spec.model == "question":
        item.show_criteria = value
        return None
    setattr(item, "text" if spec.name == "text" else spec.name, value)
    return None


def _through_admin(spec: Field, value, item, writer) -> None:
    client = Client()
    client.force_login(writer)
    if spec.name == "criteria":
        criteria_set = item.criteria_sets.get()
        url = reverse("admin:answers_criteriaset_change", args=[criteria_set.pk])
        group = criteria_set.groups.get()
        data = {
            "condition": item.pk,
            "title": value,
            "applies_to": criteria_set.applies_to,
            "rule": criteria_set.rule,
            "source": criteria_set.source,
            "version": criteria_set.version,
            "order": criteria_set.order,
            "groups-TOTAL_FORMS": 1,
            "groups-INITIAL_FORMS": 1,
            "groups-MIN_NUM_FORMS": 1,
            "groups-MAX_NUM_FORMS": 1000,
            "groups-0-id": group.pk,
            "groups-0-criteria_set": criteria_set.pk,
            "groups-0-order": group.order,
            "groups-0-category": group.category,
            "groups-0-count_rule": group.count_rule,
            "groups-0-items": group.items,
        }
    elif isinstance(item, Question):
        url = reverse("admin:answers_question_change", args=[item.pk])
        overrides = {}
        if spec.name == "citation":
            overrides["references-0-citation"] = value
        elif spec.name == "show_criteria":
            overrides["show_criteria"] = "on"
        else:
            overrides[spec.name] = value
        data = change_form_data(item, **overrides)
    else:
        url = reverse("admin:answers_condition_change", args=[item.pk])
        codes = list(item.codes.all())
        data = condition_form(
            item,
            acronym=item.acronym,
            acronym_expansion=item.acronym_expansion,
            synonyms=item.synonyms,
            summary=item.summary,
            prevalence=item.prevalence,
            **{"codes-TOTAL_FORMS": str(len(codes)), "codes-INITIAL_FORMS": "0"},
        )
        data["codes-INITIAL_FORMS"] = str(len(codes))
        for n, code in enumerate(codes):
            data |= {
                f"codes-{n}-id": code.pk,
                f"codes-{n}-condition": item.pk,
                f"codes-{n}-concept": code.concept_id,
            }
        if spec.name == "code":
            n = len(codes)
            data |= {
                "codes-TOTAL_FORMS": str(n + 1),
                f"codes-{n}-concept": catalogue_concept("ORPHA", value).pk,
            }
        else:
            data[spec.name] = value
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )


def _through_import(spec: Field, value, world: World) -> None:
    condition = world.condition
    folder = Path(tempfile.mkdtemp()) / condition.slug
    folder.mkdir()
    facts = condition_data(condition)
    answer = question_data(world.question)
    if spec.model == "condition":
        if spec.name == "synonyms":
            facts["synonyms"] = [value]
        elif spec.name == "code":
            facts["codes"] = [*facts["codes"], {"system": "ORPHA", "code": value}]
        elif spec.name == "criteria":
            facts["criteria_sets"][0]["title"] = value
        else:
            facts[spec.name] = value
    elif spec.name == "citation":
        answer["references"][0]["citation"] = value
    else:
        answer[spec.name] = value
    (folder / "condition.md").write_text(render_condition(facts), encoding="utf-8")
    (folder / f"{world.question.slug}.md").write_text(
        render_question(answer), encoding="utf-8"
    )
    call_command("import_content", str(folder.parent), user="wendy", verbosity=0)


def approve(spec: Field, world: World) -> None:
    people = world.people
    if spec.model == "condition":
        approve_facts(world.condition, writer=people.writer, reviewer=people.reviewer)
        return
    question = world.question
    question.refresh_from_db()
    services.submit_for_review(item=question, user=people.writer)
    services.approve(
        item=question,
        user=people.second_reviewer,
        expected_version=question.draft_version,
        coi_confirmed=True,
    )


def order_on_condition_page(world: World) -> list[str]:
    page = Client().get(world.condition.get_absolute_url())
    soup = BeautifulSoup(page.content, "html.parser")
    return [a.get_text() for a in soup.select(".question-list a")]


@pytest.fixture
def people(db):
    """The personas, once per test; each Hypothesis example builds its own
    world beside the others (the test's transaction is rolled back after)."""
    namespace = type("People", (), {})
    make_personas(namespace)
    return namespace


@pytest.mark.parametrize(
    ("spec", "channel"),
    CASES,
    ids=[f"{spec.model}.{spec.name}-{channel}" for spec, channel in CASES],
)
@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(word=st.text(alphabet=string.ascii_lowercase, min_size=6, max_size=12))
def test_a_draft_reaches_readers_only_once_approved(people, spec, channel, word):
    world = build_world(people)
    value, marker = new_value(spec, word, world)
    order_before = order_on_condition_page(world)

    def shown(surfaces: dict[str, str]) -> list[str]:
        return [
            name
            for name, text in surfaces.items()
            if marker in text and name not in spec.not_checked
        ]

    def found() -> bool:
        page = Client().get("/search/", {"q": value})
        soup = BeautifulSoup(page.content, "html.parser")
        links = [a["href"] for a in soup.select(".search-result h3 a")]
        return world.question.get_absolute_url() in links

    if marker is not None:
        assert shown(texts(world, marker)) == [], "shown before the draft"

    change(channel, spec, value, world)

    if marker is not None:
        leaked = shown(texts(world, marker))
        assert leaked == [], f"{spec.model}.{spec.name} via {channel}: {leaked}"
    if spec.findable:
        assert not found(), f"{spec.name} via {channel}: found by search"
    else:
        assert order_on_condition_page(world) == order_before
    if spec.slug:
        draft_path = (
            f"/conditions/{world.condition.public_slug}/{value}/"
            if spec.model == "question"
            else f"/conditions/{value}/"
        )
        assert Client().get(draft_path).status_code == 404

    approve(spec, world)

    if marker is None:
        assert order_on_condition_page(world) != order_before
        return
    approved = texts(world, marker)
    missing = [name for name in spec.shown_in if marker not in approved[name]]
    assert missing == [], f"{spec.model}.{spec.name} via {channel}: {missing}"
    if spec.findable:
        assert found(), f"{spec.name} via {channel}: not found by search"

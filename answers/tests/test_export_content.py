"""`manage.py export_content`: the drafts as files that import back unchanged."""

import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from reversion.models import Revision, Version

from answers.interchange.files import (
    read_condition,
    read_question,
    render_condition,
    render_question,
)
from answers.models import Condition, Question, ReviewEvent
from devdata.personas import (
    PersonasTestCase,
    add_code,
    add_criteria_set,
    draft,
    edit,
    make_condition,
    publish,
)
from devdata.terminology import load_sample

# Text that YAML and front matter could get wrong: typographic quotes, accents
# and non-Latin script, colons and "key: value" look-alikes, a line that is
# exactly the front-matter fence, YAML 1.1 booleans and octal-looking numbers.
TRICKY_BODY = """## Is it “catching”? Not at all: here’s why

Ça dépend: 日本語のテキスト, naïve café, 20–30 %.

---

Key: value lines look like YAML but are text:

- 'single' and "double" quotes
- # not a heading, a hash
"""
TRICKY_SHORT_ANSWER = (
    "No: it isn’t “catching”. Ça va.\n\nA second paragraph: with 'quotes' and \"more\"."
)


class ExportTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Imported codes are checked against the catalogue (and the demo's).
        load_sample()

    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.root = Path(folder.name)
        self.out = self.root / "export"

    def export(self, *args: str, **options) -> str:
        out = StringIO()
        call_command("export_content", str(self.out), *args, stdout=out, **options)
        return out.getvalue()

    def import_(self, **options) -> str:
        out = StringIO()
        call_command(
            "import_content", str(self.out), user="wendy", stdout=out, **options
        )
        return out.getvalue()

    def snapshot(self) -> tuple:
        return (
            list(Condition.objects.values_list("slug", "updated_at")),
            list(Question.objects.values_list("slug", "draft_version", "status")),
            ReviewEvent.objects.count(),
            Version.objects.count(),
            Revision.objects.count(),
        )

    def assert_round_trip_changes_nothing(self) -> str:
        before = self.snapshot()
        self.export()

        output = self.import_()

        files = len(list(self.out.rglob("*.md")))
        self.assertIn(f"0 created, 0 updated, {files} unchanged", output)
        self.assertNotIn(": updated", output)
        self.assertEqual(self.snapshot(), before)
        return output

    def make_content(self) -> Question:
        condition = make_condition(
            name="POEMS syndrome",
            slug="poems-syndrome",
            acronym="POEMS",
            acronym_expansion="Polyneuropathy, Organomegaly, Endocrinopathy, …",
            synonyms="Crow–Fukase syndrome\nTakatsuki syndrome",
            summary="A rare condition.\r\n\r\nIt is: treatable.",
            prevalence="About 3 in 1,000,000 people",
            review_interval_days=180,
        )
        add_code(condition, "ORPHA", "2905")
        add_criteria_set(
            condition,
            title="Diagnostic criteria: POEMS syndrome",
            rule="Both mandatory criteria,\nplus one other major and one minor.",
            source="Dispenzieri A. POEMS syndrome: 2021 update. Am J Hematol. 2021",
            version="2021",
            order=5,
            groups=[
                {
                    "category": "Mandatory major criteria: both",
                    "count_rule": "Both: required",
                    "items": "Polyneuropathy\nMonoclonal plasma cell disorder",
                },
                {"category": "Minor criteria", "items": "Papilledema"},
            ],
        )
        question = draft(
            self.writer,
            condition,
            slug="is-it-contagious",
            text="Is POEMS syndrome “contagious”?",
            references=[
                {
                    "citation": "D'Sa S, et al. Comprehensive diagnosis: POEMS. 2022.",
                    "doi": "10.1097/HS9.0000000000000796",
                    "pmid": "36340912",
                }
            ],
        )
        publish(question, writer=self.writer, reviewer=self.reviewer)
        return question


class ExportFilesTestCase(ExportTestCase):
    def test_it_writes_one_folder_per_condition_with_the_current_drafts(self):
        question = self.make_content()
        live = question.live_revision.short_answer
        edit(question, self.writer, short_answer="The newer draft wording.")
        make_condition(name="Other syndrome", slug="other-syndrome")

        output = self.export()

        self.assertEqual(
            sorted(p.relative_to(self.out).as_posix() for p in self.out.rglob("*")),
            [
                "other-syndrome",
                "other-syndrome/condition.md",
                "poems-syndrome",
                "poems-syndrome/condition.md",
                "poems-syndrome/is-it-contagious.md",
            ],
        )
        self.assertIn("Wrote 3 files for 2 conditions", output)
        data = read_question(self.out / "poems-syndrome/is-it-contagious.md")
        self.assertEqual(data["short_answer"], "The newer draft wording.")
        self.assertNotIn(
            live, (self.out / "poems-syndrome/is-it-contagious.md").read_text()
        )
        self.assertEqual(data["text"], "Is POEMS syndrome “contagious”?")
        self.assertEqual(data["references"][0]["pmid"], "36340912")
        condition = read_condition(self.out / "poems-syndrome/condition.md")
        self.assertEqual(condition["summary"], "A rare condition.\n\nIt is: treatable.")
        self.assertEqual(condition["codes"], [{"system": "ORPHA", "code": "2905"}])
        criteria_set = condition["criteria_sets"][0]
        self.assertEqual(criteria_set["order"], 1)
        self.assertEqual(
            criteria_set["rule"],
            "Both mandatory criteria,\nplus one other major and one minor.",
        )
        self.assertEqual(
            [
                (g["category"], g["count_rule"], g["order"])
                for g in criteria_set["groups"]
            ],
            [
                ("Mandatory major criteria: both", "Both: required", 1),
                ("Minor criteria", "", 2),
            ],
        )
        self.assertEqual(condition["review_interval_days"], 180)
        text = (self.out / "poems-syndrome/condition.md").read_text(encoding="utf-8")
        self.assertTrue(
            text.startswith("---\nname: POEMS syndrome\nslug: poems-syndrome\n")
        )
        self.assertIn("Crow–Fukase", text)  # written as is, not \u escapes

    def test_it_exports_only_the_conditions_asked_for(self):
        self.make_content()
        make_condition(name="Other syndrome", slug="other-syndrome")

        self.export(condition=["other-syndrome"])

        self.assertEqual(
            [p.relative_to(self.out).as_posix() for p in self.out.rglob("*.md")],
            ["other-syndrome/condition.md"],
        )

    def test_it_refuses_an_unknown_condition(self):
        with self.assertRaises(CommandError) as raised:
            self.export(condition=["no-such-condition"])

        self.assertIn("Unknown condition(s): no-such-condition", str(raised.exception))
        self.assertFalse(self.out.exists())

    def test_it_refuses_a_folder_that_is_not_empty_without_force(self):
        self.make_content()
        self.out.mkdir()
        (self.out / "notes.txt").write_text("mine")

        with self.assertRaises(CommandError) as raised:
            self.export()

        self.assertIn("is not empty", str(raised.exception))
        self.assertIn("--force", str(raised.exception))
        self.assertEqual([p.name for p in self.out.iterdir()], ["notes.txt"])

        self.export(force=True)

        self.assertTrue((self.out / "poems-syndrome/condition.md").exists())
        self.assertEqual((self.out / "notes.txt").read_text(), "mine")


class RoundTripTestCase(ExportTestCase):
    def test_export_then_import_changes_nothing(self):
        self.make_content()

        output = self.assert_round_trip_changes_nothing()

        self.assertIn("[1/2] poems-syndrome/condition.md: unchanged", output)

    def test_an_edited_criteria_set_imports_once_then_is_unchanged(self):
        condition = self.make_content().condition
        self.export()
        path = self.out / "poems-syndrome/condition.md"
        data = read_condition(path)
        criteria_set = data["criteria_sets"][0]
        criteria_set["applies_to"] = "Adults only; not children"
        criteria_set["groups"].append(
            {
                "category": "Other major criteria",
                "count_rule": "At least one",
                "items": ["Castleman disease", "Sclerotic bone lesions"],
                "order": 3,
            }
        )
        path.write_text(render_condition(data), encoding="utf-8")
        versions = Version.objects.get_for_object(condition).count()

        first = self.import_()
        second = self.import_()

        self.assertIn("poems-syndrome/condition.md: updated", first)
        self.assertIn("poems-syndrome/condition.md: unchanged", second)
        (saved,) = [s.snapshot() for s in condition.criteria_sets.all()]
        self.assertEqual(saved["applies_to"], "Adults only; not children")
        self.assertEqual(
            [(g["category"], g["count_rule"]) for g in saved["groups"]],
            [
                ("Mandatory major criteria: both", "Both: required"),
                ("Minor criteria", ""),
                ("Other major criteria", "At least one"),
            ],
        )
        self.assertEqual(
            Version.objects.get_for_object(condition).count(), versions + 1
        )

    def test_tricky_text_survives_the_round_trip(self):
        question = self.make_content()
        edit(
            question,
            self.writer,
            text="Is it “contagious”: yes or no?",
            short_answer=TRICKY_SHORT_ANSWER,
            body=TRICKY_BODY,
        )
        Condition.objects.filter(pk=question.condition_id).update(
            acronym="NO", acronym_expansion="Nitric oxide: yes, really"
        )

        self.assert_round_trip_changes_nothing()

        data = read_question(self.out / "poems-syndrome/is-it-contagious.md")
        self.assertEqual(data["short_answer"], TRICKY_SHORT_ANSWER)
        self.assertEqual(data["body"], TRICKY_BODY.strip())
        self.assertEqual(
            read_condition(self.out / "poems-syndrome/condition.md")["acronym"], "NO"
        )

    def test_the_demo_content_survives_the_round_trip(self):
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())

        output = self.assert_round_trip_changes_nothing()

        self.assertIn("0 created, 0 updated, 21 unchanged", output)

    def test_an_edited_export_imports_as_a_draft(self):
        question = self.make_content()
        self.export()
        path = self.out / "poems-syndrome/is-it-contagious.md"
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "## What causes it?", "## What is the cause?"
            ),
            encoding="utf-8",
        )

        output = self.import_()

        self.assertIn("poems-syndrome/is-it-contagious.md: updated", output)
        self.assertIn("0 created, 1 updated, 1 unchanged", output)
        question.refresh_from_db()
        self.assertIn("## What is the cause?", question.body)
        self.assertTrue(question.has_unpublished_changes)


# Single-line and multi-line text as the database stores it (normalise_text):
# any character, control characters and Unicode line breaks included, but NUL,
# which PostgreSQL cannot store and forms and the import refuse.
line = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=60,
).map(str.strip)
lines = st.lists(line, max_size=4).map(lambda parts: "\n".join(parts).strip())


class FileFormatRoundTripTestCase(SimpleTestCase):
    """Whatever text a draft holds, writing it and reading it back gives it back."""

    @settings(max_examples=200, deadline=None)
    @given(
        text=line.filter(bool),
        short_answer=lines,
        body=lines,
        citation=lines.filter(bool),
        order=st.integers(0, 32767),
        show_criteria=st.booleans(),
    )
    def test_a_question_file_reads_back_as_written(self, **values):
        data = {
            "condition": "example-syndrome",
            "text": values["text"],
            "slug": "is-it-contagious",
            "kind": "explainer",
            "topic": "causes",
            "order": values["order"],
            "show_criteria": values["show_criteria"],
            "short_answer": values["short_answer"],
            "body": values["body"],
            "references": [
                {"citation": values["citation"], "url": "", "pmid": "", "doi": ""}
            ],
        }
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "question.md"
            path.write_text(render_question(data), encoding="utf-8")
            self.assertEqual(read_question(path), data)

    @settings(max_examples=150, deadline=None)
    @given(
        name=line.filter(bool),
        acronym=line,
        synonyms=st.lists(line.filter(bool), max_size=3),
        summary=lines,
        items=st.lists(line.filter(bool), min_size=1, max_size=3),
    )
    def test_a_condition_file_reads_back_as_written(self, **values):
        data = {
            "name": values["name"],
            "slug": "example-syndrome",
            "acronym": values["acronym"],
            "acronym_expansion": values["acronym"],
            "synonyms": values["synonyms"],
            "prevalence": "",
            "review_interval_days": None,
            "summary": values["summary"],
            "codes": [{"system": "ORPHA", "code": "0123"}],
            "criteria_sets": [
                {
                    "title": values["name"],
                    "applies_to": values["acronym"],
                    "source": values["name"],
                    "version": "",
                    "rule": values["summary"],
                    "order": 1,
                    "groups": [
                        {
                            "category": values["name"],
                            "count_rule": values["acronym"],
                            "items": values["items"],
                            "order": 1,
                        }
                    ],
                }
            ],
        }
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "condition.md"
            path.write_text(render_condition(data), encoding="utf-8")
            self.assertEqual(read_condition(path), data)

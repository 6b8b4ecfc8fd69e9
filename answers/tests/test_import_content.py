"""`manage.py import_content`: drafts only, all or nothing, idempotent."""

import tempfile
from datetime import timedelta
from io import StringIO
from pathlib import Path

import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone
from reversion.models import Revision, Version

from answers.models import (
    AnswerRevision,
    Condition,
    Question,
    ReviewEvent,
    Status,
)
from devdata.personas import (
    GOOD_BODY,
    GOOD_SHORT_ANSWER,
    PersonasTestCase,
    draft,
    make_condition,
    publish,
)
from devdata.terminology import load_sample

CONDITION = {
    "name": "Example syndrome",
    "slug": "example-syndrome",
    "acronym": "EXS",
    "acronym_expansion": "Example syndrome",
    "synonyms": ["Sample disease", "Illustration syndrome"],
    "prevalence": "About 1 in 100,000 people",
    "codes": [
        {"system": "ORPHA", "code": "2905"},
        {"system": "GARD", "code": "7411"},
    ],
    "criteria_sets": [
        {
            "title": "Diagnostic criteria for example syndrome",
            "applies_to": "Adults with suspected example syndrome",
            "source": "Example A. Criteria for example syndrome. 2021",
            "version": "2021 update",
            "rule": "Both major criteria.",
            "groups": [
                {
                    "category": "Major criteria",
                    "count_rule": "Both are required",
                    "items": ["Nerve damage", "Abnormal plasma cells"],
                }
            ],
        }
    ],
}
SUMMARY = "Example syndrome is a rare condition.\n\nIt is not contagious."

QUESTION = {
    "condition": "example-syndrome",
    "question": "Is example syndrome contagious?",
    "slug": "is-it-contagious",
    "kind": "short_answer",
    "topic": "causes",
    "order": 1,
    "show_criteria": False,
    "short_answer": GOOD_SHORT_ANSWER,
    "references": [
        {
            "citation": "Example A. A review. J Examples. 2024;1:1-9.",
            "doi": "10.1002/ajh.12345",
            "pmid": "36340912",
        },
        {"citation": "Example B. A website.", "url": "https://example.org/b"},
    ],
}


def content_file(header: dict, body: str = "") -> str:
    return f"---\n{yaml.safe_dump(header, sort_keys=False)}---\n{body}\n"


class ImportTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Codes are checked against the catalogue: real releases, a few codes.
        load_sample()

    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.root = Path(folder.name)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def write_condition(self, folder: str = "example-syndrome", **changes) -> Path:
        summary = changes.pop("summary", SUMMARY)
        return self.write(
            f"{folder}/condition.md", content_file({**CONDITION, **changes}, summary)
        )

    def write_question(self, name: str = "is-it-contagious", **changes) -> Path:
        body = changes.pop("body", GOOD_BODY)
        folder = changes.pop("folder", "example-syndrome")
        header = {**QUESTION, "slug": name, **changes}
        return self.write(f"{folder}/{name}.md", content_file(header, body))

    def write_good_batch(self) -> None:
        self.write_condition()
        self.write_question()
        self.write_question(
            "how-is-it-treated",
            question="How is example syndrome treated?",
            topic="treatment",
            kind="explainer",
        )

    def run_import(self, *paths, user: str | None = "wendy", **options) -> str:
        out = StringIO()
        if user is not None:
            options["user"] = user
        call_command(
            "import_content",
            *[str(p) for p in paths or [self.root]],
            stdout=out,
            stderr=StringIO(),
            **options,
        )
        return out.getvalue()

    def snapshot(self) -> tuple:
        """Everything an import could write."""
        return (
            list(Condition.objects.values_list("slug", "updated_at")),
            list(Question.objects.values_list("slug", "draft_version", "status")),
            ReviewEvent.objects.count(),
            Version.objects.count(),
            Revision.objects.count(),
        )


class GoodImportTestCase(ImportTestCase):
    def test_it_creates_conditions_and_drafts_that_are_not_published(self):
        self.write_good_batch()

        output = self.run_import()

        self.assertIn("[1/3] example-syndrome/condition.md: created", output)
        self.assertIn("[3/3] example-syndrome/is-it-contagious.md: created", output)
        self.assertIn("3 created, 0 updated, 0 unchanged", output)
        condition = Condition.objects.get(slug="example-syndrome")
        self.assertEqual(condition.acronym, "EXS")
        self.assertEqual(condition.synonym_list, CONDITION["synonyms"])
        self.assertEqual(condition.summary, SUMMARY)
        self.assertEqual(
            sorted(condition.codes.values_list("system", "code")),
            [("GARD", "7411"), ("ORPHA", "2905")],
        )
        criteria_set = condition.criteria_sets.get()
        self.assertEqual(
            criteria_set.snapshot(),
            {
                **CONDITION["criteria_sets"][0],
                "groups": [
                    {
                        "category": "Major criteria",
                        "count_rule": "Both are required",
                        "items": ["Nerve damage", "Abnormal plasma cells"],
                    }
                ],
            },
        )
        question = Question.objects.get(slug="is-it-contagious")
        self.assertEqual(question.status, Status.DRAFT)
        self.assertIsNone(question.live_revision)
        self.assertEqual(question.topic, "causes")
        self.assertEqual(question.body, GOOD_BODY.strip())
        self.assertEqual(
            [r.snapshot() for r in question.references.all()],
            [
                {
                    "citation": "Example A. A review. J Examples. 2024;1:1-9.",
                    "url": "",
                    "pmid": "36340912",
                    "doi": "10.1002/ajh.12345",
                },
                {
                    "citation": "Example B. A website.",
                    "url": "https://example.org/b",
                    "pmid": "",
                    "doi": "",
                },
            ],
        )
        self.assertFalse(AnswerRevision.objects.exists())
        event = question.events.get()
        self.assertEqual(event.action, ReviewEvent.Action.EDITED)
        self.assertEqual(event.actor, self.writer)
        self.assertIn("is-it-contagious.md", event.comment)
        # History records the draft with its references, and the condition
        # with its codes and its criteria set with its group, in the importer's
        # name.
        revision = Version.objects.get_for_object(question).get().revision
        self.assertEqual(revision.user, self.writer)
        self.assertEqual(revision.version_set.count(), 3)  # question + 2 references
        condition_revision = Version.objects.get_for_object(condition).get().revision
        self.assertEqual(condition_revision.version_set.count(), 5)

    def test_importing_the_same_files_again_changes_nothing(self):
        self.write_good_batch()
        self.run_import()
        before = self.snapshot()

        output = self.run_import()

        self.assertEqual(self.snapshot(), before)
        self.assertIn("[2/3] example-syndrome/how-is-it-treated.md: unchanged", output)
        self.assertIn("0 created, 0 updated, 3 unchanged", output)

    def test_it_updates_only_the_files_that_changed(self):
        self.write_good_batch()
        self.run_import()
        treated = Question.objects.get(slug="how-is-it-treated")
        events = ReviewEvent.objects.count()
        self.write_question(short_answer="No. It cannot be caught from anyone.")

        output = self.run_import()

        self.assertIn("example-syndrome/is-it-contagious.md: updated", output)
        self.assertIn("0 created, 1 updated, 2 unchanged", output)
        question = Question.objects.get(slug="is-it-contagious")
        self.assertEqual(question.short_answer, "No. It cannot be caught from anyone.")
        self.assertEqual(question.draft_version, 2)
        self.assertEqual(question.references.count(), 2)
        self.assertEqual(ReviewEvent.objects.count(), events + 1)
        self.assertEqual(question.events.first().actor, self.writer)
        treated.refresh_from_db()
        self.assertEqual(treated.draft_version, 1)

    def test_changed_references_replace_the_old_ones(self):
        self.write_good_batch()
        self.run_import()
        self.write_question(references=[{"citation": "Example C. New source. 2025."}])

        self.run_import()

        question = Question.objects.get(slug="is-it-contagious")
        self.assertEqual(
            list(question.references.values_list("citation", flat=True)),
            ["Example C. New source. 2025."],
        )
        self.assertEqual(question.draft_version, 2)

    def test_it_updates_a_changed_condition_and_reschedules_its_reviews(self):
        condition = make_condition(name="Example syndrome", slug="example-syndrome")
        question = draft(self.writer, condition)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        question.refresh_from_db()
        due = question.next_review_due
        self.write_condition(
            review_interval_days=180, codes=[{"system": "ORPHA", "code": "2905"}]
        )

        output = self.run_import()

        self.assertIn("condition.md: updated", output)
        condition.refresh_from_db()
        self.assertEqual(condition.review_interval_days, 180)
        self.assertEqual(list(condition.codes.values_list("code", flat=True)), ["2905"])
        question.refresh_from_db()
        expected = timezone.localdate(question.last_review.created_at) + timedelta(
            days=180
        )
        self.assertNotEqual(due, expected)
        self.assertEqual(question.next_review_due, expected)
        self.assertEqual(Version.objects.get_for_object(condition).count(), 1)

    def test_a_question_can_name_a_condition_that_is_already_in_the_database(self):
        make_condition(name="Example syndrome", slug="example-syndrome")
        self.write_question()

        output = self.run_import()

        self.assertIn("1 created, 0 updated, 0 unchanged", output)
        self.assertTrue(
            Question.objects.filter(condition__slug="example-syndrome").exists()
        )

    def test_a_dry_run_reports_what_would_happen_and_saves_nothing(self):
        self.write_good_batch()
        before = self.snapshot()

        output = self.run_import(dry_run=True)

        self.assertIn("example-syndrome/condition.md: created", output)
        self.assertIn(
            "3 created, 0 updated, 0 unchanged (dry run: nothing was saved)", output
        )
        self.assertEqual(self.snapshot(), before)

    def test_a_dry_run_of_an_update_leaves_the_draft_alone(self):
        self.write_good_batch()
        self.run_import()
        self.write_question(short_answer="Not yet.")
        before = self.snapshot()

        output = self.run_import(dry_run=True)

        self.assertIn("is-it-contagious.md: updated", output)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(
            Question.objects.get(slug="is-it-contagious").short_answer,
            GOOD_SHORT_ANSWER,
        )

    def test_changing_a_published_answer_makes_a_draft_and_keeps_the_live_page(self):
        condition = make_condition(name="Example syndrome", slug="example-syndrome")
        question = draft(self.writer, condition, slug="is-it-contagious")
        revision = publish(question, writer=self.writer, reviewer=self.reviewer)
        self.write_question(short_answer="A newer wording the public must not see.")

        output = self.run_import()

        self.assertIn("is-it-contagious.md: updated", output)
        question.refresh_from_db()
        self.assertEqual(question.status, Status.DRAFT)
        self.assertEqual(question.live_revision, revision)
        self.assertTrue(question.has_unpublished_changes)
        self.assertEqual(AnswerRevision.objects.count(), 1)
        # Only the edit was recorded: nothing was submitted or approved.
        self.assertEqual(question.events.first().action, ReviewEvent.Action.EDITED)
        self.assertEqual(
            question.events.filter(action=ReviewEvent.Action.APPROVED).count(), 1
        )
        page = self.client.get(question.get_absolute_url())
        self.assertContains(page, revision.short_answer)
        self.assertNotContains(page, "A newer wording the public must not see.")


class BadImportTestCase(ImportTestCase):
    """Every bad file is named with its problem, and nothing of the batch is
    imported, even the good files."""

    def assert_refused(self, *expected: str, paths: list | None = None) -> str:
        before = self.snapshot()
        err = StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command(
                "import_content",
                *[str(path) for path in paths or [self.root]],
                user="wendy",
                stdout=StringIO(),
                stderr=err,
            )
        self.refusal = str(raised.exception)
        self.assertIn("nothing was imported", self.refusal)
        for text in expected:
            self.assertIn(text, err.getvalue())
        self.assertEqual(self.snapshot(), before)
        return err.getvalue()

    def test_a_missing_field(self):
        self.write_good_batch()
        header = {k: v for k, v in QUESTION.items() if k != "short_answer"}
        self.write(
            "example-syndrome/no-answer.md",
            content_file({**header, "slug": "no-answer"}),
        )

        self.assert_refused(
            "example-syndrome/no-answer.md: missing required field(s): short_answer."
        )

    def test_an_unknown_condition(self):
        self.write_good_batch()
        self.write_question("lost", condition="no-such-condition", folder="elsewhere")

        self.assert_refused("elsewhere/lost.md: unknown condition 'no-such-condition'")

    def test_a_nul_character_is_refused_with_its_place(self):
        # Found by the hostile-input tests: a NUL passed the import and then
        # failed in PostgreSQL (SQLite stored it) instead of being listed.
        self.write_good_batch()
        self.write_question("raw-nul", body="A body with a NUL \x00 in it.")
        self.write_question("escaped-nul", short_answer="No.\x00")

        self.assert_refused(
            "example-syndrome/raw-nul.md: line 18 contains a NUL character; remove "
            "it (the database cannot store it).",
            "example-syndrome/escaped-nul.md: 'short_answer' contains a NUL character",
        )

    def test_a_header_without_its_closing_line(self):
        self.write_good_batch()
        self.write("example-syndrome/open.md", "---\ncondition: example-syndrome\n")

        self.assert_refused("example-syndrome/open.md: front matter is not closed")

    def test_a_header_that_is_not_valid_yaml_names_the_line(self):
        self.write_good_batch()
        self.write(
            "example-syndrome/colon.md",
            "---\ncondition: example-syndrome\nquestion: Is it: really?\n---\n",
        )

        self.assert_refused(
            "example-syndrome/colon.md: front matter is not valid YAML (line 3)"
        )

    def test_a_file_without_front_matter(self):
        self.write_good_batch()
        self.write("example-syndrome/notes.md", "# Notes\n")

        self.assert_refused("example-syndrome/notes.md: must start with a '---' line")

    def test_two_files_for_the_same_question(self):
        self.write_good_batch()
        self.write(
            "example-syndrome/copy.md", content_file(QUESTION, "## Copy?\n\nYes.")
        )

        self.assert_refused(
            "example-syndrome/copy.md: question 'is-it-contagious' of condition "
            "'example-syndrome' is also in example-syndrome/is-it-contagious.md",
            "example-syndrome/is-it-contagious.md: question 'is-it-contagious' of "
            "condition 'example-syndrome' is also in example-syndrome/copy.md",
        )
        self.assertIn("2 files have problems", self.refusal)

    def test_two_files_for_the_same_condition(self):
        self.write_good_batch()
        self.write_condition(folder="copy")

        self.assert_refused(
            "example-syndrome/condition.md: condition 'example-syndrome' is also in "
            "copy/condition.md",
            "copy/condition.md: condition 'example-syndrome' is also in "
            "example-syndrome/condition.md",
        )

    def test_a_code_not_in_the_release_of_its_system(self):
        self.write_good_batch()
        self.write_condition(codes=[{"system": "ORPHA", "code": "ORPHA:0"}])

        self.assert_refused(
            "example-syndrome/condition.md: code 1: 'code': ORPHA 0 does not exist "
            "in ORPHA release "
        )

    def test_an_unknown_coding_system(self):
        self.write_good_batch()
        self.write_condition(codes=[{"system": "SNOMED", "code": "1"}])

        self.assert_refused(
            "code 1: 'code': “1” is given as SNOMED, which is not a loaded "
            "terminology. Codes can come from: GARD, ICD-10-CM, ORPHA."
        )

    def test_an_empty_group_of_criteria_or_a_set_without_groups(self):
        self.write_good_batch()
        criteria_set = CONDITION["criteria_sets"][0]
        self.write_condition(
            criteria_sets=[
                {**criteria_set, "groups": [{"category": "Minor", "items": []}]},
                {**criteria_set, "groups": []},
            ]
        )

        self.assert_refused(
            "example-syndrome/condition.md: criteria set 1: group 1: has no items",
            "example-syndrome/condition.md: criteria set 2: has no groups",
        )

    def test_a_criteria_set_without_title_or_source(self):
        self.write_good_batch()
        criteria_set = dict(CONDITION["criteria_sets"][0])
        del criteria_set["title"], criteria_set["source"]
        self.write_condition(criteria_sets=[criteria_set])

        self.assert_refused("criteria set 1: missing required field(s): source, title.")

    def test_old_criteria_lists_are_refused_and_say_what_to_write(self):
        self.write_good_batch()
        self.write_condition(
            criteria_sets=None,
            criteria=[
                {"category": "Minor criteria", "items": ["Oedema"], "source": "X"}
            ],
        )

        self.assert_refused(
            "example-syndrome/condition.md: 'criteria' is the old format (lists "
            "without a title, a rule or whom they apply to) and is no longer read. "
            "Write the lists as 'criteria_sets'"
        )

    def test_a_name_that_another_condition_already_has(self):
        make_condition(name="Example syndrome", slug="older-example")
        self.write_good_batch()

        self.assert_refused(
            "example-syndrome/condition.md: the name 'Example syndrome' already "
            "belongs to condition 'older-example'."
        )

    def test_a_bad_slug(self):
        self.write_good_batch()
        self.write_question("odd", slug="is it contagious?")

        self.assert_refused("example-syndrome/odd.md: 'slug': Enter a valid “slug”")

    def test_bad_references(self):
        self.write_good_batch()
        self.write_question(
            references=[
                {"url": "https://example.org"},
                {"citation": "Fine.", "pmid": "PMID 123", "doi": "doi:10.1/x"},
                {"citation": "Fine too.", "url": "not a link"},
            ]
        )

        self.assert_refused(
            "is-it-contagious.md: reference 1: missing required field(s): citation.",
            "is-it-contagious.md: reference 2: 'pmid': A PMID is digits only.",
            "is-it-contagious.md: reference 2: 'doi': A DOI looks like",
            "is-it-contagious.md: reference 3: 'url': Enter a valid URL.",
        )

    def test_unknown_fields_kinds_and_wrong_types(self):
        self.write_good_batch()
        self.write_question(kind="essay", topic="genes", order="first", colour="red")

        self.assert_refused(
            "is-it-contagious.md: unknown field(s): colour",
            "is-it-contagious.md: unknown kind 'essay'",
            "is-it-contagious.md: unknown topic 'genes'",
            "is-it-contagious.md: 'order' must be a whole number",
        )

    def test_every_bad_file_is_reported_and_counted(self):
        self.write_good_batch()
        self.write("a/open.md", "---\nslug: x\n")
        self.write_question("b", condition="nowhere", folder="b")
        self.write("c/condition.md", "---\nname: C\n---\n")

        self.assert_refused("a/open.md:", "b/b.md:", "c/condition.md:")

        self.assertIn("3 files have problems", self.refusal)

    def test_a_path_that_does_not_exist(self):
        self.write_good_batch()

        self.assert_refused(
            "no-such-folder: no such file or folder.",
            paths=[self.root, self.root / "no-such-folder"],
        )

        self.assertIn("1 path could not be read", self.refusal)


class ImportUserTestCase(ImportTestCase):
    def test_it_needs_a_user(self):
        self.write_good_batch()

        with self.assertRaises(CommandError) as raised:
            self.run_import(user=None)

        self.assertIn("--user USERNAME", str(raised.exception))
        self.assertFalse(Condition.objects.exists())

    def test_it_refuses_an_unknown_user(self):
        self.write_good_batch()

        with self.assertRaises(CommandError) as raised:
            self.run_import(user="nobody")

        self.assertIn("There is no user 'nobody'", str(raised.exception))
        self.assertFalse(Condition.objects.exists())

    def test_it_refuses_a_user_without_editing_rights(self):
        self.write_good_batch()
        for username in ["mo", "mina"]:
            for dry_run in [False, True]:
                with (
                    self.subTest(user=username, dry_run=dry_run),
                    self.assertRaises(CommandError) as raised,
                ):
                    self.run_import(user=username, dry_run=dry_run)
                self.assertIn(
                    f"User '{username}' may not import content",
                    str(raised.exception),
                )
        self.assertFalse(Condition.objects.exists())
        self.assertFalse(ReviewEvent.objects.exists())

    def test_a_user_without_rights_is_refused_even_when_nothing_would_change(self):
        self.write_good_batch()
        self.run_import()

        with self.assertRaises(CommandError) as raised:
            self.run_import(user="mo", dry_run=True)

        self.assertIn("User 'mo' may not import content", str(raised.exception))

    def test_a_user_without_rights_cannot_change_existing_questions(self):
        self.write_good_batch()
        self.run_import()
        self.write_question(short_answer="Changed by a moderator.")
        before = self.snapshot()

        with self.assertRaises(CommandError) as raised:
            self.run_import(user="mo")

        self.assertIn("User 'mo' may not import content", str(raised.exception))
        self.assertEqual(self.snapshot(), before)

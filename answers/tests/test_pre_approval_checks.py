from django.test import SimpleTestCase

from answers.checks import ERROR, OK, WARNING, run_checks
from devdata.personas import GOOD_BODY, GOOD_SHORT_ANSWER

REFERENCE = {"citation": "Example A. A review. 2024.", "url": "", "pmid": "", "doi": ""}


def content(**overrides) -> dict:
    return {
        "question_text": "Is it contagious?",
        "short_answer": GOOD_SHORT_ANSWER,
        "body": GOOD_BODY,
        "references": [REFERENCE],
        "criteria": [],
        **overrides,
    }


MINOR = {"category": "Minor criteria", "count_rule": "At least 1", "items": ["Oedema"]}


def criteria_set(**overrides) -> dict:
    """A criteria set in the shape of `CriteriaSet.snapshot()`."""
    return {
        "title": "Diagnostic criteria for example syndrome",
        "applies_to": "Adults",
        "source": "Example A. 2021",
        "version": "",
        "rule": "At least one minor criterion.",
        "groups": [MINOR],
        **overrides,
    }


def levels(checks, name: str) -> list[str]:
    return [c.level for c in checks if c.name == name]


class PreApprovalChecksTestCase(SimpleTestCase):
    def test_a_good_draft_passes_every_check(self):
        checks = run_checks(content(), show_criteria=False)
        self.assertEqual({c.level for c in checks}, {OK}, checks)

    def test_the_short_answer_must_exist_and_be_short(self):
        self.assertEqual(
            levels(
                run_checks(content(short_answer="  "), show_criteria=False),
                "Short answer",
            ),
            [ERROR],
        )
        checks = run_checks(content(short_answer="word " * 81), show_criteria=False)
        self.assertEqual(levels(checks, "Short answer"), [ERROR])
        self.assertIn("81 words", checks[0].message)
        checks = run_checks(content(short_answer="Word. " * 80), show_criteria=False)
        self.assertEqual(levels(checks, "Short answer"), [OK])

    def test_the_body_must_not_repeat_the_short_answer(self):
        checks = run_checks(
            content(body=GOOD_SHORT_ANSWER + "\n\n" + GOOD_BODY), show_criteria=False
        )
        self.assertEqual(levels(checks, "Repetition"), [ERROR])

    def test_at_least_one_cited_reference(self):
        self.assertEqual(
            levels(
                run_checks(content(references=[]), show_criteria=False), "References"
            ),
            [ERROR],
        )
        blank = {**REFERENCE, "citation": " "}
        self.assertEqual(
            levels(
                run_checks(content(references=[REFERENCE, blank]), show_criteria=False),
                "References",
            ),
            [ERROR],
        )

    def test_a_colon_must_be_followed_by_a_list(self):
        body = (
            "A diagnosis needs both mandatory criteria and some minor criteria:\n\n"
            "## Next\n\nText."
        )
        checks = run_checks(content(body=body), show_criteria=False)
        self.assertEqual(levels(checks, "Unfinished list"), [ERROR])
        self.assertIn("minor criteria:", next(c for c in checks if c.is_error).message)
        ending = run_checks(
            content(body="Text.\n\nThe criteria are:"), show_criteria=False
        )
        self.assertEqual(levels(ending, "Unfinished list"), [ERROR])
        short = run_checks(content(short_answer="It depends on:"), show_criteria=False)
        self.assertEqual(levels(short, "Unfinished list"), [ERROR])

    def test_body_headings_start_at_level_two(self):
        checks = run_checks(content(body="# Title\n\nText."), show_criteria=False)
        self.assertEqual(levels(checks, "Headings"), [ERROR])

    def test_criteria_shown_with_an_answer_must_exist_and_be_non_empty(self):
        self.assertEqual(
            levels(
                run_checks(content(criteria=[]), show_criteria=True),
                "Diagnostic criteria",
            ),
            [ERROR],
        )
        empty = [criteria_set(groups=[{**MINOR, "items": []}])]
        checks = run_checks(content(criteria=empty), show_criteria=True)
        self.assertEqual(levels(checks, "Diagnostic criteria"), [ERROR])
        self.assertIn("Minor criteria", next(c for c in checks if c.is_error).message)
        self.assertEqual(
            levels(
                run_checks(content(criteria=[criteria_set()]), show_criteria=True),
                "Diagnostic criteria",
            ),
            [OK],
        )

    def test_it_refuses_a_criteria_set_without_title_source_or_rule(self):
        for field, says in [
            ("title", "has no title. Give it the heading readers will see"),
            ("source", "does not name its source. Add the publication"),
            ("rule", "has no rule. Write how its groups combine"),
        ]:
            with self.subTest(field=field):
                checks = run_checks(
                    content(criteria=[criteria_set(**{field: "  "})]),
                    show_criteria=True,
                )
                errors = [c for c in checks if c.is_error]
                self.assertEqual(
                    [c.name for c in errors], ["Diagnostic criteria"], errors
                )
                self.assertIn(says, errors[0].message)
        nothing = run_checks(
            content(criteria=[criteria_set(title="", source="", rule="", groups=[])]),
            show_criteria=True,
        )
        messages = [c.message for c in nothing if c.is_error]
        says = [
            "has no title",
            "does not name its source",
            "has no rule",
            "has no groups",
        ]
        self.assertEqual(len(messages), len(says), messages)
        for message, problem in zip(messages, says, strict=True):
            # Without a title, the set is named by its position.
            self.assertTrue(message.startswith(f"Criteria set 1 {problem}"), message)

    def test_a_set_is_named_by_its_title_in_every_message(self):
        checks = run_checks(
            content(criteria=[criteria_set(), criteria_set(title="Older", rule="")]),
            show_criteria=True,
        )
        (error,) = [c for c in checks if c.is_error]
        self.assertTrue(error.message.startswith("Criteria set “Older” has no rule."))

    def test_hard_reading_is_a_warning_not_an_error(self):
        dense = (
            "Polyneuropathy, organomegaly, endocrinopathy, monoclonal gammopathy and "
            "dermatological manifestations constitute the pathognomonic constellation "
            "characterising this paraneoplastic immunoproliferative syndrome."
        )
        checks = run_checks(
            content(short_answer=dense, body=dense + " Indeed."), show_criteria=False
        )
        readability = [c for c in checks if c.name == "Readability"]
        self.assertEqual([c.level for c in readability], [WARNING])
        self.assertIn("grade", readability[0].message)
        self.assertFalse(any(c.is_error for c in checks if c.name == "Readability"))

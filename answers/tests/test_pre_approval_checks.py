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
        empty = [
            {"category": "Minor criteria", "items": [], "source": "X", "version": ""}
        ]
        checks = run_checks(content(criteria=empty), show_criteria=True)
        self.assertEqual(levels(checks, "Diagnostic criteria"), [ERROR])
        self.assertIn("Minor criteria", next(c for c in checks if c.is_error).message)
        full = [
            {"category": "Minor", "items": ["Oedema"], "source": "X", "version": ""}
        ]
        self.assertEqual(
            levels(
                run_checks(content(criteria=full), show_criteria=True),
                "Diagnostic criteria",
            ),
            [OK],
        )

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

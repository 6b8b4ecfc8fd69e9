"""Pre-approval checks, shown to the reviewer and enforced by `services.approve`.

Errors block approval; warnings are shown but leave the decision to the reviewer.
"""

import re
from dataclasses import dataclass

import textstat

from diseasemaps.lib.markdown import (
    headings,
    paragraphs_ending_in_colon_without_list,
    plain_text,
)

MAX_SHORT_ANSWER_WORDS = 80
MAX_READING_GRADE = 9.0

OK, WARNING, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class Check:
    name: str
    level: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def word_count(text: str) -> int:
    return len((text or "").split())


def reading_grade(text: str) -> float:
    return round(float(textstat.flesch_kincaid_grade(text)), 1) if text.strip() else 0.0


def run_checks(content: dict, *, show_criteria: bool) -> list[Check]:
    """Check a draft's content (`Question.draft_content()`) before approval."""
    short_answer = content.get("short_answer", "")
    body = content.get("body", "")
    checks: list[Check] = []

    words = word_count(short_answer)
    if not short_answer.strip():
        checks.append(Check("Short answer", ERROR, "The short answer is empty."))
    elif words > MAX_SHORT_ANSWER_WORDS:
        checks.append(
            Check(
                "Short answer",
                ERROR,
                f"The short answer has {words} words; the limit is "
                f"{MAX_SHORT_ANSWER_WORDS}.",
            )
        )
    else:
        checks.append(
            Check("Short answer", OK, f"{words} of {MAX_SHORT_ANSWER_WORDS} words.")
        )

    if short_answer.strip() and _squash(short_answer) in _squash(plain_text(body)):
        checks.append(
            Check(
                "Repetition",
                ERROR,
                "The body repeats the short answer word for word; it is shown once.",
            )
        )

    references = content.get("references") or []
    cited = [r for r in references if (r.get("citation") or "").strip()]
    if not cited:
        checks.append(Check("References", ERROR, "Add at least one reference."))
    elif len(cited) < len(references):
        checks.append(Check("References", ERROR, "A reference has no citation."))
    else:
        checks.append(Check("References", OK, f"{len(cited)} cited."))

    dangling = paragraphs_ending_in_colon_without_list(
        short_answer
    ) + paragraphs_ending_in_colon_without_list(body)
    for paragraph in dangling:
        checks.append(
            Check(
                "Unfinished list",
                ERROR,
                f"“…{paragraph[-60:]}” ends with a colon but no list follows. Add "
                "the list or end the sentence.",
            )
        )
    if not dangling:
        checks.append(Check("Unfinished list", OK, "Every “:” is followed by a list."))

    if any(level == 1 for level, _ in headings(body)):
        checks.append(
            Check(
                "Headings",
                ERROR,
                "Use “## ” for sub-question headings; a single “# ” heading is "
                "reserved for the question itself.",
            )
        )

    if show_criteria:
        criteria = content.get("criteria") or []
        empty = [c["category"] for c in criteria if not c.get("items")]
        if not criteria:
            checks.append(
                Check(
                    "Diagnostic criteria",
                    ERROR,
                    "This answer shows diagnostic criteria, but the condition has "
                    "none. Add them to the condition or untick “show criteria”.",
                )
            )
        elif empty:
            checks.append(
                Check(
                    "Diagnostic criteria",
                    ERROR,
                    "These criteria lists are empty: " + ", ".join(empty) + ".",
                )
            )
        else:
            checks.append(
                Check("Diagnostic criteria", OK, f"{len(criteria)} lists, none empty.")
            )

    prose = "\n".join(filter(None, [short_answer, plain_text(body)]))
    grade = reading_grade(prose)
    if grade > MAX_READING_GRADE:
        checks.append(
            Check(
                "Readability",
                WARNING,
                f"Flesch–Kincaid grade {grade}: above grade {MAX_READING_GRADE:g}. "
                "Shorter sentences and plainer words help frightened readers.",
            )
        )
    else:
        checks.append(Check("Readability", OK, f"Flesch–Kincaid grade {grade}."))
    return checks


def blocking_problems(checks: list[Check]) -> list[str]:
    return [f"{c.name}: {c.message}" for c in checks if c.is_error]

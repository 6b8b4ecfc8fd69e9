"""Pre-approval checks, shown to the reviewer and enforced by `services.approve`.

Errors block approval; warnings are shown but leave the decision to the reviewer.
"""

import re
from dataclasses import dataclass

import textstat

from answers.terminology.codes import resolve_codes
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
        checks += _criteria_checks(content.get("criteria") or [])

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


def _criteria_checks(criteria: list[dict]) -> list[Check]:
    """A set shown without its title, source or rule misleads: readers count
    their own symptoms against the items. Every such gap blocks approval."""
    name = "Diagnostic criteria"
    if not criteria:
        return [
            Check(
                name,
                ERROR,
                "This answer shows diagnostic criteria, but the condition's "
                "approved facts have none. Add a criteria set to the condition "
                "and have its facts approved first, or untick “show criteria”.",
            )
        ]
    problems = []
    for position, criteria_set in enumerate(criteria, start=1):
        title = (criteria_set.get("title") or "").strip()
        called = f"Criteria set “{title}”" if title else f"Criteria set {position}"
        if not title:
            problems.append(
                f"{called} has no title. Give it the heading readers will see, "
                "e.g. “Diagnostic criteria for POEMS syndrome”."
            )
        if not (criteria_set.get("source") or "").strip():
            problems.append(
                f"{called} does not name its source. Add the publication that "
                "defines these criteria."
            )
        if not (criteria_set.get("rule") or "").strip():
            problems.append(
                f"{called} has no rule. Write how its groups combine into a "
                "diagnosis, e.g. “Both major criteria, plus at least one minor "
                "criterion”, so readers do not count symptoms against a list."
            )
        groups = criteria_set.get("groups") or []
        if not groups:
            problems.append(
                f"{called} has no groups of criteria. Add at least one group "
                "with its criteria, one per line."
            )
        for group in groups:
            if not group.get("items"):
                problems.append(
                    f"{called}: the group “{group.get('category', '')}” has no "
                    "criteria. Add them, one per line, or remove the group."
                )
    if problems:
        return [Check(name, ERROR, problem) for problem in problems]
    count = len(criteria)
    sets = "1 set" if count == 1 else f"{count} sets"
    return [Check(name, OK, f"{sets}, each with a title, source, rule and criteria.")]


def condition_checks(content: dict) -> list[Check]:
    """Check a condition's draft facts (`Condition.draft_content()`) before
    approval: what its page and every answer page's About block show."""
    checks: list[Check] = []
    if not content["name"].strip():
        checks.append(Check("Name", ERROR, "The condition has no name."))
    if content["acronym"] and not content["acronym_expansion"].strip():
        checks.append(
            Check(
                "Acronym",
                ERROR,
                f"Say what “{content['acronym']}” stands for: readers see the "
                "expansion next to it.",
            )
        )
    summary = content["summary"]
    if not summary:
        checks.append(
            Check(
                "Summary",
                WARNING,
                "There is no summary: the condition page will show only its "
                "names, codes and answers.",
            )
        )
    for paragraph in paragraphs_ending_in_colon_without_list(summary):
        checks.append(
            Check(
                "Unfinished list",
                ERROR,
                f"“…{paragraph[-60:]}” ends with a colon but no list follows.",
            )
        )
    # Every code must exist, active, in the current release of its system
    # (invariant 6); the message names the code, the system and the release.
    if content["codes"]:
        _checked, problems = resolve_codes(content["codes"])
        checks += [Check("Codes", ERROR, problem) for problem in problems]
    if content["criteria"]:
        checks += _criteria_checks(content["criteria"])
    grade = reading_grade(plain_text(summary))
    if grade > MAX_READING_GRADE:
        checks.append(
            Check(
                "Readability",
                WARNING,
                f"The summary reads at Flesch–Kincaid grade {grade}: above grade "
                f"{MAX_READING_GRADE:g}.",
            )
        )
    if not any(check.is_error for check in checks):
        checks.insert(0, Check("Facts", OK, "Nothing blocks approval."))
    return checks


def change_summary_check(summary: str) -> Check:
    """A change to a published answer is listed under "Corrections and
    updates" on its page and on /about/corrections/ with the writer's one-line
    summary. A warning, not an error: the list then says only that the answer
    was updated, which is true, if less useful to readers."""
    if (summary or "").strip():
        return Check("Change summary", OK, f"Readers will read: “{summary.strip()}”")
    return Check(
        "Change summary",
        WARNING,
        "No change summary for readers: “Corrections and updates” will say only "
        "“Updated the answer.” Ask the writer for one line on what changed.",
    )


def blocking_problems(checks: list[Check]) -> list[str]:
    return [f"{c.name}: {c.message}" for c in checks if c.is_error]

"""How a content file's data maps onto the models and back: which fields a
file sets, the rows built from a file before anything is saved, and a
condition or question as a file would read it (for export, and to tell
whether an import changes anything).
"""

from answers import services
from answers.models import Condition, CriteriaList, Question

CONDITION_FILE = "condition.md"

# Condition fields that a condition file sets directly (codes and criteria are
# rows of their own).
CONDITION_FIELDS = [
    "name",
    "acronym",
    "acronym_expansion",
    "synonyms",
    "summary",
    "prevalence",
    "review_interval_days",
]
# The draft fields a question file sets; `condition` and `slug` identify it.
QUESTION_FIELDS = ["text", "kind", "topic", "order", "show_criteria"]
QUESTION_TEXT_FIELDS = ["short_answer", "body"]


def condition_values(data: dict) -> dict:
    values = {name: data[name] for name in CONDITION_FIELDS}
    values["synonyms"] = "\n".join(data["synonyms"])
    return values


def criteria_row(criteria: dict, condition: Condition | None = None) -> CriteriaList:
    return CriteriaList(
        condition=condition,
        category=criteria["category"],
        items="\n".join(criteria["items"]),
        source=criteria["source"],
        version=criteria["version"],
        order=criteria["order"],
    )


def question_values(data: dict) -> dict:
    return {name: data[name] for name in QUESTION_FIELDS + QUESTION_TEXT_FIELDS}


def condition_data(condition: Condition) -> dict:
    """A condition as `read_condition` returns it, for export and comparison.

    Text is compared as stored by `services.normalise_text`, so line endings an
    admin form kept do not count as a change.
    """
    text = services.normalise_text
    return {
        "name": text(condition.name),
        "slug": condition.slug,
        "acronym": text(condition.acronym),
        "acronym_expansion": text(condition.acronym_expansion),
        "synonyms": condition.synonym_list,
        "prevalence": text(condition.prevalence),
        "review_interval_days": condition.review_interval_days,
        "summary": text(condition.summary),
        "codes": [
            {"system": code.system, "code": code.code} for code in condition.codes.all()
        ],
        "criteria": [
            {
                "category": text(criteria.category),
                "items": criteria.item_list,
                "source": text(criteria.source),
                "version": text(criteria.version),
                "order": position,
            }
            for position, criteria in enumerate(condition.criteria.all(), start=1)
        ],
    }


def question_data(question: Question) -> dict:
    """A question's draft as `read_question` returns it."""
    text = services.normalise_text
    return {
        "condition": question.condition.slug,
        "text": text(question.text),
        "slug": question.slug,
        "kind": question.kind,
        "topic": question.topic,
        "order": question.order,
        "show_criteria": question.show_criteria,
        "short_answer": text(question.short_answer),
        "body": text(question.body),
        "references": [
            {
                "citation": text(reference.citation),
                "url": reference.url,
                "pmid": reference.pmid,
                "doi": reference.doi,
            }
            for reference in question.references.all()
        ],
    }


def codes_key(codes: list[dict]) -> list[tuple[str, str]]:
    # Codes are shown sorted by system, so their order in a file means nothing.
    return sorted((code["system"], code["code"]) for code in codes)

"""How a content file's data maps onto the models and back: which fields a
file sets, the rows built from a file before anything is saved, and a
condition or question as a file would read it (for export, and to tell
whether an import changes anything).
"""

from answers import services
from answers.models import Condition, CriteriaGroup, CriteriaSet, Question
from answers.terminology.codes import normalise

CONDITION_FILE = "condition.md"

# Condition fields that a condition file sets directly (codes and criteria sets
# are rows of their own).
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


def criteria_set_row(
    criteria_set: dict, condition: Condition | None = None
) -> CriteriaSet:
    """A criteria set from a file, unsaved; its groups are `criteria_group_row`."""
    return CriteriaSet(
        condition=condition,
        title=criteria_set["title"],
        applies_to=criteria_set["applies_to"],
        source=criteria_set["source"],
        version=criteria_set["version"],
        rule=criteria_set["rule"],
        order=criteria_set["order"],
    )


def criteria_group_row(
    group: dict, criteria_set: CriteriaSet | None = None
) -> CriteriaGroup:
    return CriteriaGroup(
        criteria_set=criteria_set,
        category=group["category"],
        count_rule=group["count_rule"],
        items="\n".join(group["items"]),
        order=group["order"],
    )


def question_values(data: dict) -> dict:
    return {name: data[name] for name in QUESTION_FIELDS + QUESTION_TEXT_FIELDS}


def condition_data(condition: Condition) -> dict:
    """A condition as `read_condition` returns it, for export and comparison.

    Text is compared as stored by `services.normalise_text`, so line endings an
    admin form kept do not count as a change. Sets and groups are numbered by
    position, as a file numbers them.
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
        "criteria_sets": [
            {
                "title": text(criteria_set.title),
                "applies_to": text(criteria_set.applies_to),
                "source": text(criteria_set.source),
                "version": text(criteria_set.version),
                "rule": text(criteria_set.rule),
                "order": position,
                "groups": [
                    {
                        "category": text(group.category),
                        "count_rule": text(group.count_rule),
                        "items": group.item_list,
                        "order": order,
                    }
                    for order, group in enumerate(criteria_set.groups.all(), start=1)
                ],
            }
            for position, criteria_set in enumerate(
                condition.criteria_sets.all(), start=1
            )
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
    # Codes are shown sorted by system, so their order in a file means nothing;
    # "ORPHA:2905" in a file is the 2905 stored.
    return sorted(
        (code["system"], normalise(code["system"], code["code"])) for code in codes
    )

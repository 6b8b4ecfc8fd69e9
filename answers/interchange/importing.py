"""Writing a checked import: `apply_batch` writes a batch that `load_batch`
found no problems in, all files or none, in one transaction. A condition's
facts (with its codes and criteria sets) and a question's answer both become
drafts through `services.save_draft`, so an import checks the same
permissions, never publishes and leaves the same audit trail as an edit in
the admin. A file that matches the database writes nothing at all, which is
what makes a second import a no-op.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from answers import services
from answers.exceptions import InterchangeError, NotAllowed, WorkflowError
from answers.interchange.checking import Batch, ContentFile
from answers.interchange.mapping import (
    CONDITION_FIELDS,
    codes_key,
    condition_data,
    condition_values,
    criteria_group_row,
    criteria_set_row,
    question_data,
    question_values,
)
from answers.models import Condition, ConditionCode, Question


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class Report:
    dry_run: bool
    outcomes: list[tuple[ContentFile, Outcome]] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for _file, result in self.outcomes if result == outcome)

    @property
    def summary(self) -> str:
        text = ", ".join(f"{self.count(outcome)} {outcome}" for outcome in Outcome)
        return text + (" (dry run: nothing was saved)" if self.dry_run else "")


class ImportFailed(Exception):
    """A workflow rule refused one file while the batch was being written; the
    whole batch was rolled back."""

    def __init__(self, file: ContentFile, error: WorkflowError):
        self.file = file
        self.error = error
        super().__init__(f"{file.label}: {error}")


ProgressCallback = Callable[[int, int, ContentFile, Outcome], None]


def _require(user: AbstractBaseUser, permission: str, doing: str) -> None:
    if not user.has_perm(f"answers.{permission}"):
        raise NotAllowed(f"You do not have permission to {doing}.")


def _apply_condition(
    file: ContentFile, *, user: AbstractBaseUser, at: datetime | None
) -> Outcome:
    data = file.data
    condition = (
        Condition.objects.filter(slug=data["slug"])
        .prefetch_related("codes", "criteria_sets__groups")
        .first()
    )
    if condition is None:
        condition = Condition(slug=data["slug"], **condition_values(data))
        outcome, codes_changed, criteria_changed = Outcome.CREATED, True, True
        expected_version = None
    else:
        current = condition_data(condition)
        # Both sides in the file's shape: synonyms as lists, text normalised.
        changed = [name for name in CONDITION_FIELDS if current[name] != data[name]]
        codes_changed = codes_key(current["codes"]) != codes_key(data["codes"])
        criteria_changed = current["criteria_sets"] != data["criteria_sets"]
        if not (changed or codes_changed or criteria_changed):
            return Outcome.UNCHANGED
        values = condition_values(data)
        for name in changed:
            setattr(condition, name, values[name])
        outcome = Outcome.UPDATED
        # The version read just now: a save in between is refused (StaleDraft).
        expected_version = condition.draft_version
    services.save_draft(
        item=condition,
        user=user,
        expected_version=expected_version,
        save_related=lambda: _save_codes_and_criteria(
            condition, data, codes=codes_changed, criteria=criteria_changed
        ),
        comment=f"Imported from {file.label}",
        at=at,
    )
    return outcome


def _save_codes_and_criteria(
    condition: Condition, data: dict, *, codes: bool, criteria: bool
) -> None:
    # Rows are saved one by one (not bulk_create) so that django-reversion
    # records each of them in the revision.
    if codes:
        condition.codes.all().delete()
        for code in data["codes"]:
            ConditionCode.objects.create(condition=condition, **code)
    if criteria:
        # Replaced as a whole: a set's groups only mean something with its rule.
        for criteria_set in condition.criteria_sets.all():
            criteria_set.delete()
        for entry in data["criteria_sets"]:
            criteria_set = criteria_set_row(entry, condition)
            criteria_set.save()
            for group in entry["groups"]:
                criteria_group_row(group, criteria_set).save()


def _apply_question(
    file: ContentFile,
    *,
    user: AbstractBaseUser,
    conditions: dict[str, Condition],
    at: datetime | None,
) -> Outcome:
    data = file.data
    slug = data["condition"]
    if slug not in conditions:
        conditions[slug] = Condition.objects.get(slug=slug)
    condition = conditions[slug]
    comment = f"Imported from {file.label}"
    question = (
        Question.objects.filter(condition=condition, slug=data["slug"])
        .select_related("condition")
        .prefetch_related("references")
        .first()
    )
    if question is None:
        question = Question(
            condition=condition, slug=data["slug"], **question_values(data)
        )
        services.save_draft(
            item=question,
            user=user,
            expected_version=None,
            save_related=lambda: services.replace_references(
                question, data["references"]
            ),
            comment=comment,
            at=at,
        )
        return Outcome.CREATED

    current = question_data(question)
    if current == data:
        return Outcome.UNCHANGED
    references_changed = current["references"] != data["references"]
    for name, value in question_values(data).items():
        setattr(question, name, value)
    services.save_draft(
        item=question,
        user=user,
        # The version read just now: if someone saves in between, the service
        # refuses (StaleDraft) instead of overwriting their edit.
        expected_version=question.draft_version,
        save_related=(
            (lambda: services.replace_references(question, data["references"]))
            if references_changed
            else None
        ),
        comment=comment,
        at=at,
    )
    return Outcome.UPDATED


def apply_batch(
    batch: Batch,
    *,
    user: AbstractBaseUser,
    dry_run: bool = False,
    at: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Write a batch that `load_batch` found no problems in: all files or none.

    New questions and changed ones become drafts through `services.save_draft`
    (which checks the user's permission); nothing is submitted or approved. With
    `dry_run` everything runs, so the report and any refusal are real, and is
    then rolled back. `at` backdates the audit events (demo content).
    """
    if batch.problems:
        raise InterchangeError(
            f"{len(batch.failed_labels)} file(s) have problems; fix them first."
        )
    # The services check again on every write; checking first also refuses a
    # batch that would change nothing, so a dry run tells the truth about
    # whether this user could import at all.
    _require(user, "add_question", "add questions")
    _require(user, "change_question", "edit answers")
    _require(user, "add_condition", "add conditions")
    _require(user, "change_condition", "change conditions")
    report = Report(dry_run=dry_run)
    conditions: dict[str, Condition] = {}
    total = len(batch.files)
    with transaction.atomic():
        for index, file in enumerate(batch.files, start=1):
            try:
                if file.is_condition:
                    outcome = _apply_condition(file, user=user, at=at)
                else:
                    outcome = _apply_question(
                        file, user=user, conditions=conditions, at=at
                    )
            except WorkflowError as exc:
                raise ImportFailed(file, exc) from exc
            report.outcomes.append((file, outcome))
            if progress is not None:
                progress(index, total, file, outcome)
        if dry_run:
            transaction.set_rollback(True)
    return report

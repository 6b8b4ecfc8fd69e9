"""Import and export of content files (docs/content-format.md).

`load_batch` reads and checks every file of an import before anything is
written, and collects all problems; `apply_batch` writes a clean batch in one
transaction: conditions directly (they are not workflow content), questions
only through `services.save_draft`, so an import never publishes and leaves the
same audit trail as an edit in the admin. A file that matches the database
writes nothing at all, which is what makes a second import a no-op.
`export_content` writes the current drafts in the same format.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Prefetch

from answers import services
from answers.content_files import (
    ContentFileError,
    Parsed,
    parse_condition,
    parse_question,
    render_condition,
    render_question,
)
from answers.exceptions import NotAllowed, WorkflowError
from answers.models import (
    Condition,
    ConditionCode,
    CriteriaList,
    Question,
    Reference,
)

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


class InterchangeError(Exception):
    """An import or export that cannot start; the message says why."""


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Problem:
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass(frozen=True)
class ContentFile:
    path: Path
    # How the file is named in messages: relative to the folder given.
    label: str
    data: dict

    @property
    def is_condition(self) -> bool:
        return self.path.name == CONDITION_FILE


@dataclass
class Batch:
    # Conditions first (questions need them), each group in file order.
    files: list[ContentFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Every file found, good or bad.
    labels: list[str] = field(default_factory=list)

    @property
    def failed_labels(self) -> list[str]:
        return list(dict.fromkeys(problem.label for problem in self.problems))


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


# --- Reading and checking ------------------------------------------------------


def _find_files(
    paths: Iterable[Path], problems: list[Problem]
) -> list[tuple[Path, str]]:
    found: dict[Path, tuple[Path, str]] = {}
    for given in paths:
        given = Path(given)
        if given.is_dir():
            candidates = [
                (path, path.relative_to(given).as_posix())
                for path in sorted(given.rglob("*.md"))
                if path.is_file()
            ]
            if not candidates:
                problems.append(Problem(str(given), "has no .md files."))
        elif given.is_file():
            if given.suffix != ".md":
                problems.append(Problem(str(given), "is not a .md file."))
                continue
            candidates = [(given, str(given))]
        else:
            problems.append(Problem(str(given), "no such file or folder."))
            continue
        for path, label in candidates:
            # A file named twice (as itself and inside its folder) is one file.
            found.setdefault(path.resolve(), (path, label))
    return list(found.values())


def _validation_messages(
    exc: ValidationError, *, where: str = "", names: dict | None = None
) -> list[str]:
    messages = []
    for name, errors in exc.message_dict.items():
        key = (names or {}).get(name, name)
        prefix = "" if name == NON_FIELD_ERRORS else f"'{key}': "
        messages.extend(f"{where}{prefix}{error}" for error in errors)
    return messages


def _clean(instance: models.Model, *, exclude: set[str]) -> None:
    # Uniqueness is checked across the batch and the database by the caller (an
    # existing row with the same slug is the one this file updates); the one
    # check constraint, non-empty criteria, is the reader's "has no items".
    instance.full_clean(
        exclude=exclude, validate_unique=False, validate_constraints=False
    )


def _condition_problems(parsed: Parsed) -> list[str]:
    """Model rules (field lengths, slug, acronym, code formats, PMID/DOI/URL),
    checked on unsaved rows; what the reader already flagged is skipped."""
    data, flagged = parsed.data, parsed.flagged
    problems = []
    try:
        condition = Condition(**_condition_values(data), slug=data["slug"])
        _clean(condition, exclude=flagged)
    except ValidationError as exc:
        problems += _validation_messages(exc)
    seen = set()
    for position, code in enumerate(data["codes"], start=1):
        if f"codes.{position}" in flagged:
            continue
        where = f"code {position}: "
        try:
            _clean(ConditionCode(**code), exclude={"condition"})
        except ValidationError as exc:
            problems += _validation_messages(exc, where=where)
        if (code["system"], code["code"]) in seen:
            problems.append(f"{where}{code['system']} {code['code']} is listed twice.")
        seen.add((code["system"], code["code"]))
    for position, criteria in enumerate(data["criteria"], start=1):
        if f"criteria.{position}" in flagged:
            continue
        try:
            _clean(_criteria_row(criteria), exclude={"condition"})
        except ValidationError as exc:
            problems += _validation_messages(exc, where=f"criteria list {position}: ")
    return problems


def _question_problems(parsed: Parsed) -> list[str]:
    data = parsed.data
    # The file says "question" for the model's `text`.
    flagged = {"text" if key == "question" else key for key in parsed.flagged}
    problems = []
    question = Question(slug=data["slug"], **_question_values(data))
    try:
        _clean(question, exclude={"condition", *flagged})
    except ValidationError as exc:
        problems += _validation_messages(exc, names={"text": "question"})
    for position, reference in enumerate(data["references"], start=1):
        if f"references.{position}" in flagged:
            continue
        try:
            _clean(Reference(**reference), exclude={"question"})
        except ValidationError as exc:
            problems += _validation_messages(exc, where=f"reference {position}: ")
    return problems


def load_batch(paths: Iterable[Path]) -> Batch:
    """Read and check every file under `paths` (files or folders, searched for
    *.md). Nothing is written; every problem of every file is collected."""
    batch = Batch()
    found = _find_files(paths, batch.problems)
    conditions: list[ContentFile] = []
    questions: list[ContentFile] = []
    for path, label in found:
        batch.labels.append(label)
        is_condition = path.name == CONDITION_FILE
        try:
            parsed = parse_condition(path) if is_condition else parse_question(path)
        except ContentFileError as exc:  # not readable at all
            batch.problems += [Problem(label, problem) for problem in exc.problems]
            continue
        problems = parsed.problems + (
            _condition_problems(parsed) if is_condition else _question_problems(parsed)
        )
        batch.problems += [Problem(label, problem) for problem in problems]
        data = parsed.data
        # Kept even with problems, so that the checks across files still see
        # its slugs (and do not call its questions' condition unknown).
        (conditions if is_condition else questions).append(
            ContentFile(path=path, label=label, data=data)
        )
    batch.problems += _batch_problems(conditions, questions)
    # Grouped by file, in file order (sort is stable within a file).
    position = {label: n for n, label in enumerate(batch.labels)}
    batch.problems.sort(key=lambda problem: position.get(problem.label, -1))
    failed = set(batch.failed_labels)
    batch.files = [f for f in conditions + questions if f.label not in failed]
    return batch


def _duplicates(
    files: list[ContentFile], key: Callable[[dict], tuple], what: Callable[[tuple], str]
) -> list[Problem]:
    """Each file that shares `key` with another, naming the others."""
    groups: dict[tuple, list[ContentFile]] = {}
    for file in files:
        value = key(file.data)
        if all(value):  # a missing slug is reported by the reader already
            groups.setdefault(value, []).append(file)
    return [
        Problem(
            file.label,
            f"{what(value)} is also in "
            f"{', '.join(other.label for other in group if other is not file)}; "
            "keep one file for it.",
        )
        for value, group in groups.items()
        if len(group) > 1
        for file in group
    ]


def _batch_problems(
    conditions: list[ContentFile], questions: list[ContentFile]
) -> list[Problem]:
    """Rules across files and against the database."""
    problems = _duplicates(
        conditions, lambda d: (d["slug"],), lambda v: f"condition '{v[0]}'"
    )
    by_slug: dict[str, ContentFile] = {}
    for file in conditions:
        by_slug.setdefault(file.data["slug"], file)
    # Among different conditions only: two copies of one condition were
    # reported just above.
    problems += _duplicates(
        list(by_slug.values()), lambda d: (d["name"],), lambda v: f"the name '{v[0]}'"
    )
    by_name = {file.data["name"]: file for file in conditions}
    # Names are unique: a new or renamed condition must not take the name of
    # another condition that keeps it.
    for other in Condition.objects.filter(name__in=by_name).exclude(slug__in=by_slug):
        problems.append(
            Problem(
                by_name[other.name].label,
                f"the name '{other.name}' already belongs to condition '{other.slug}'.",
            )
        )

    known = set(by_slug) | set(
        Condition.objects.filter(
            slug__in={q.data["condition"] for q in questions}
        ).values_list("slug", flat=True)
    )
    folder_condition = {file.path.parent.resolve(): file for file in conditions}
    for file in questions:
        condition = file.data["condition"]
        if condition and condition not in known:
            problems.append(
                Problem(
                    file.label,
                    f"unknown condition '{condition}': it is not in the database "
                    f"and no {CONDITION_FILE} in this import has that slug.",
                )
            )
        sibling = folder_condition.get(file.path.parent.resolve())
        if sibling is not None and condition and sibling.data["slug"] != condition:
            problems.append(
                Problem(
                    file.label,
                    f"says condition '{condition}' but is in the folder of "
                    f"'{sibling.data['slug']}' ({sibling.label}).",
                )
            )
    problems += _duplicates(
        questions,
        lambda d: (d["condition"], d["slug"]),
        lambda v: f"question '{v[1]}' of condition '{v[0]}'",
    )
    return problems


# --- Writing ---------------------------------------------------------------------


def _condition_values(data: dict) -> dict:
    values = {name: data[name] for name in CONDITION_FIELDS}
    values["synonyms"] = "\n".join(data["synonyms"])
    return values


def _criteria_row(criteria: dict, condition: Condition | None = None) -> CriteriaList:
    return CriteriaList(
        condition=condition,
        category=criteria["category"],
        items="\n".join(criteria["items"]),
        source=criteria["source"],
        version=criteria["version"],
        order=criteria["order"],
    )


def _question_values(data: dict) -> dict:
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


def _codes_key(codes: list[dict]) -> list[tuple[str, str]]:
    # Codes are shown sorted by system, so their order in a file means nothing.
    return sorted((code["system"], code["code"]) for code in codes)


def _require(user: AbstractBaseUser, permission: str, doing: str) -> None:
    if not user.has_perm(f"answers.{permission}"):
        raise NotAllowed(f"You do not have permission to {doing}.")


def _apply_condition(file: ContentFile, *, user: AbstractBaseUser) -> Outcome:
    data = file.data
    condition = (
        Condition.objects.filter(slug=data["slug"])
        .prefetch_related("codes", "criteria")
        .first()
    )
    comment = f"Imported from {file.label}"
    if condition is None:
        condition = Condition(slug=data["slug"], **_condition_values(data))
        services.save_condition(
            condition=condition,
            user=user,
            save_related=lambda: _save_codes_and_criteria(
                condition, data, codes=True, criteria=True
            ),
            comment=comment,
        )
        return Outcome.CREATED

    current = condition_data(condition)
    # Both sides in the file's shape: synonyms as lists, text normalised.
    changed = [name for name in CONDITION_FIELDS if current[name] != data[name]]
    codes_changed = _codes_key(current["codes"]) != _codes_key(data["codes"])
    criteria_changed = current["criteria"] != data["criteria"]
    if not (changed or codes_changed or criteria_changed):
        return Outcome.UNCHANGED

    values = _condition_values(data)
    for name in changed:
        setattr(condition, name, values[name])
    services.save_condition(
        condition=condition,
        user=user,
        update_fields=changed,
        save_related=lambda: _save_codes_and_criteria(
            condition, data, codes=codes_changed, criteria=criteria_changed
        ),
        comment=comment,
    )
    return Outcome.UPDATED


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
        condition.criteria.all().delete()
        for entry in data["criteria"]:
            _criteria_row(entry, condition).save()


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
            condition=condition, slug=data["slug"], **_question_values(data)
        )
        services.save_draft(
            question=question,
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
    for name, value in _question_values(data).items():
        setattr(question, name, value)
    services.save_draft(
        question=question,
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
                    outcome = _apply_condition(file, user=user)
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


# --- Export ----------------------------------------------------------------------


def export_content(
    directory: Path,
    *,
    conditions: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Write the current drafts of `conditions` (slugs; default all) to
    `directory`, one folder per condition. Returns the files written.

    Drafts, not live revisions: export is for editing, and importing the files
    unchanged must change nothing. A non-empty `directory` is refused unless
    `force`, which overwrites files of the same name and leaves others alone.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InterchangeError(f"{directory} is a file, not a folder.")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise InterchangeError(
            f"{directory} is not empty; choose an empty folder or use --force to "
            "overwrite files of the same name."
        )
    queryset = Condition.objects.order_by("slug").prefetch_related(
        "codes",
        "criteria",
        Prefetch(
            "questions",
            queryset=Question.objects.order_by("slug")
            .select_related("condition")
            .prefetch_related("references"),
        ),
    )
    if conditions is not None:
        slugs = list(dict.fromkeys(conditions))
        queryset = queryset.filter(slug__in=slugs)
        unknown = sorted(set(slugs) - {c.slug for c in queryset})
        if unknown:
            raise InterchangeError(f"Unknown condition(s): {', '.join(unknown)}.")
    written = []
    for condition in queryset:
        folder = directory / condition.slug
        folder.mkdir(parents=True, exist_ok=True)
        files = [(folder / CONDITION_FILE, render_condition(condition_data(condition)))]
        files += [
            (folder / f"{question.slug}.md", render_question(question_data(question)))
            for question in condition.questions.all()
        ]
        for path, text in files:
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(path)
            if progress is not None:
                progress(path)
    return written

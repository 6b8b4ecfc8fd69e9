"""Reading and checking an import: `load_batch` reads every file of an import
and checks it (its own shape in files.py, model rules on unsaved rows, rules
across files and against the database) before anything is written, and
collects every problem of every file, so an editor fixes them in one go.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from answers.interchange.files import (
    ContentFileError,
    Parsed,
    parse_condition,
    parse_question,
)
from answers.interchange.mapping import (
    CONDITION_FILE,
    condition_values,
    criteria_group_row,
    criteria_set_row,
    question_values,
)
from answers.models import Condition, ConditionCode, Question, Reference


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
    # check constraint, a group's non-empty items, is the reader's "has no
    # items".
    instance.full_clean(
        exclude=exclude, validate_unique=False, validate_constraints=False
    )


def _condition_problems(parsed: Parsed) -> list[str]:
    """Model rules (field lengths, slug, acronym, codes in the terminology
    catalogue, PMID/DOI/URL),
    checked on unsaved rows; what the reader already flagged is skipped."""
    data, flagged = parsed.data, parsed.flagged
    problems = []
    try:
        condition = Condition(**condition_values(data), slug=data["slug"])
        _clean(condition, exclude=flagged)
    except ValidationError as exc:
        problems += _validation_messages(exc)
    seen = set()
    for position, code in enumerate(data["codes"], start=1):
        if f"codes.{position}" in flagged:
            continue
        where = f"code {position}: "
        row = ConditionCode(**code)
        try:
            # Refuses a code not active in the current release of its system
            # (ICD-10 D47.Z2: there is no "ICD-10" in the catalogue), naming
            # the code, the system and the release.
            _clean(row, exclude={"condition"})
        except ValidationError as exc:
            problems += _validation_messages(exc, where=where)
        # As stored: "ORPHA:2905" and "2905" are the same code.
        if (row.system, row.code) in seen:
            problems.append(f"{where}{row.system} {row.code} is listed twice.")
        seen.add((row.system, row.code))
    for position, criteria_set in enumerate(data["criteria_sets"], start=1):
        flag = f"criteria_sets.{position}"
        if flag in flagged:
            continue
        where = f"criteria set {position}: "
        try:
            _clean(criteria_set_row(criteria_set), exclude={"condition"})
        except ValidationError as exc:
            problems += _validation_messages(exc, where=where)
        for order, group in enumerate(criteria_set["groups"], start=1):
            if f"{flag}.groups.{order}" in flagged:
                continue
            try:
                _clean(criteria_group_row(group), exclude={"criteria_set"})
            except ValidationError as exc:
                problems += _validation_messages(exc, where=f"{where}group {order}: ")
    return problems


def _question_problems(parsed: Parsed) -> list[str]:
    data = parsed.data
    # The file says "question" for the model's `text`.
    flagged = {"text" if key == "question" else key for key in parsed.flagged}
    problems = []
    question = Question(slug=data["slug"], **question_values(data))
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

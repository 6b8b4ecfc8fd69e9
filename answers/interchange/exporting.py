"""Export: the current drafts written as content files, in the format import
reads, so that importing the files unchanged changes nothing.
"""

from collections.abc import Callable, Iterable
from pathlib import Path

from django.db.models import Prefetch

from answers.exceptions import InterchangeError
from answers.interchange.files import render_condition, render_question
from answers.interchange.mapping import CONDITION_FILE, condition_data, question_data
from answers.models import Condition, Question


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
        "criteria_sets__groups",
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

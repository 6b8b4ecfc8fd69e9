"""The search index: `SearchEntry`, one row per live question, written here and
only here.

`answers.publication.public_content_changed` calls `refresh` inside the
transaction of every change to public content, so a draft can never be found
and an approval is findable on the next search; `manage.py
rebuild_search_index` calls `rebuild`. The queries readers run over it are in
public/search.py.

On PostgreSQL each entry also holds a weighted full-text document: the
condition's names, acronym and synonyms (A) above the question (B) above the
answer (C).
"""

import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime

from django.contrib.postgres.search import SearchVector
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from answers.models import Condition, Question, SearchEntry
from diseasemaps.lib.markdown import plain_text

CONFIG = "english"
BATCH = 500


def index_text(text: str) -> str:
    """Readable text without control characters (keeps line breaks)."""
    if (text or "").isprintable():
        # Nothing to remove (the usual case): skip the walk through every
        # character, which search does for the opening of each answer shown.
        return text.strip()
    return "".join(
        ch
        if ch == "\n" or unicodedata.category(ch)[0] != "C"
        else (" " if ch.isspace() else "")
        for ch in text or ""
    ).strip()


def condition_terms(condition: Condition) -> str:
    """Every name readers may find the condition by: its approved name and,
    once its facts are approved, their acronym, expansion and other names."""
    facts = condition.live_revision
    names = [condition.public_name]
    if facts is not None:
        names += [facts.acronym, facts.acronym_expansion, *facts.synonym_list]
    return index_text("\n".join(name for name in names if name))


def _entry(question: Question, now: datetime) -> SearchEntry:
    revision = question.live_revision
    return SearchEntry(
        question=question,
        condition_id=question.condition_id,
        condition_terms=condition_terms(question.condition),
        question_text=index_text(revision.question_text),
        answer_text=index_text(f"{revision.short_answer}\n{plain_text(revision.body)}"),
        updated_at=now,
    )


def document() -> SearchVector:
    return (
        SearchVector("condition_terms", weight="A", config=CONFIG)
        + SearchVector("question_text", weight="B", config=CONFIG)
        + SearchVector("answer_text", weight="C", config=CONFIG)
    )


def _write(scope: Q) -> tuple[int, int]:
    """Index the live questions in `scope`; drop entries in it that are not live.

    A fixed number of queries whatever the size of `scope`: one read, one
    delete, one upsert and (on PostgreSQL) one UPDATE that builds the vectors
    in the database.
    """
    live = list(
        Question.objects.published()
        .filter(scope)
        .select_related("condition", "condition__live_revision", "live_revision")
    )
    live_ids = [question.pk for question in live]
    entry_scope = Q(question__in=Question.objects.filter(scope).values("pk"))
    removed, _ = (
        SearchEntry.objects.filter(entry_scope).exclude(question_id__in=live_ids)
    ).delete()
    if live:
        now = timezone.now()
        SearchEntry.objects.bulk_create(
            [_entry(question, now) for question in live],
            update_conflicts=True,
            unique_fields=["question"],
            update_fields=[
                "condition",
                "condition_terms",
                "question_text",
                "answer_text",
                "updated_at",
            ],
        )
        if connections[SearchEntry.objects.db].vendor == "postgresql":
            SearchEntry.objects.filter(question_id__in=live_ids).update(
                document=document()
            )
    return len(live), removed


def refresh(
    *, questions: Iterable[Question] = (), conditions: Iterable[Condition] = ()
) -> None:
    """Bring the index up to date for these questions and every question of
    these conditions (a renamed condition changes all its entries)."""
    question_ids = {question.pk for question in questions if question.pk}
    condition_ids = {condition.pk for condition in conditions if condition.pk}
    if not (question_ids or condition_ids):
        return
    _write(Q(pk__in=question_ids) | Q(condition_id__in=condition_ids))


def rebuild(*, progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Index every live question again, in batches; remove every other entry.

    Returns (entries written, entries removed)."""
    with transaction.atomic():
        removed, _ = SearchEntry.objects.exclude(
            question__in=Question.objects.published()
        ).delete()
    ids = list(Question.objects.published().order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            count, _ = _write(Q(pk__in=ids[start : start + BATCH]))
        written += count
        if progress:
            progress(written, len(ids))
    return written, removed

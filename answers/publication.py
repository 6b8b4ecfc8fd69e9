"""What follows from a change to public content, in one place.

Services call `public_content_changed` inside the transaction that made the
change: the content version moves on (so caches and ETags change), the stored
pages of the conditions involved become stale (answers/pages.py), and the
search index is brought up to date for the questions and conditions involved.
Called with neither, every stored page becomes stale.

Community changes (posts, counts, the map) go through
`community_content_changed`, always naming the conditions whose pages show
them.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from answers import search
from answers.models import (
    Condition,
    PageStamp,
    PublicVersion,
    Question,
    StoredPage,
)


def current_version() -> PublicVersion:
    """The row every anonymous request reads, cached page or not.

    Plain SQL: on a page served from the cache this is the request's only
    query, and building it through the ORM cost more than running it.
    """
    connection = connections[router.db_for_read(PublicVersion)]
    table = connection.ops.quote_name(PublicVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at FROM {table} WHERE id = 1")  # noqa: S608  # nosec B608 - a model's own table name
        row = cursor.fetchone()
    if row is None:
        version, _ = PublicVersion.objects.get_or_create(pk=1)
        return version
    number, changed_at = row
    return PublicVersion(pk=1, version=number, changed_at=aware(changed_at, connection))


def aware(changed_at, connection) -> datetime:
    """A timestamp from plain SQL: SQLite hands back text or a naive UTC
    value, PostgreSQL an aware one."""
    if isinstance(changed_at, str):
        changed_at = parse_datetime(changed_at)
    if timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, connection.timezone)
    return changed_at


def _next_version() -> int:
    """Move the public content version on; the new number, in this transaction.

    Announced to the page cache at once and again after the commit: early,
    readers only render pages anew (answers/caching.py keeps pages under the
    version read from the database); after, no reader keeps the old hint.
    """
    from answers.caching import announce_version

    updated = PublicVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        PublicVersion.objects.get_or_create(pk=1, defaults={"version": 2})
    version = PublicVersion.objects.only("version", "changed_at").get(pk=1)
    announce_version(version)
    transaction.on_commit(lambda: announce_version(version))
    return version.version


def public_content_changed(
    *,
    questions: Iterable[Question] = (),
    conditions: Iterable[Condition] = (),
) -> None:
    questions, conditions = list(questions), list(conditions)
    version = _next_version()
    condition_ids = {q.condition_id for q in questions} | {c.pk for c in conditions}
    if condition_ids:
        # Every page of these conditions: an answer page lists its siblings.
        _pages_changed(condition_ids, version)
    else:
        PublicVersion.objects.filter(pk=1).update(pages_since=version)
    search.refresh(questions=questions, conditions=conditions)


def community_content_changed(*, conditions: Iterable[int]) -> None:
    """Posts, counts or the map changed on the pages of these conditions (ids).

    Every public page must show it from the next request on; the stored pages
    of these conditions are deleted, so a post taken down or erased leaves no
    copy behind in them.
    """
    version = _next_version()
    condition_ids = set(conditions)
    if condition_ids:
        _pages_changed(condition_ids, version)


def _pages_changed(condition_ids: set[int], version: int) -> None:
    """Stamp these conditions with `version` and delete their stored pages.

    The stamp comes first: writing it waits for a page being stored for one
    of these conditions (answers.pages locks the stamp while it stores), so
    the deletion that follows also removes that page.
    """
    PageStamp.objects.bulk_create(
        [PageStamp(condition_id=pk, version=version) for pk in sorted(condition_ids)],
        update_conflicts=True,
        unique_fields=["condition"],
        update_fields=["version"],
    )
    StoredPage.objects.filter(condition__in=condition_ids).delete()

"""What follows from a change to what readers see, in one place: the hook
every service that changes public content calls, inside its transaction.

- `public_content_changed(questions=…, conditions=…)`: editorial changes
  (approve, re-certify, unpublish, roll back, a condition or reviewer saved).
  The public content version moves on (so caches and ETags change), the stored
  pages of the conditions involved become stale (public/pages.py), and the
  search index (answers/search_index.py) is brought up to date for the
  questions and conditions involved. Called with neither, every stored page
  becomes stale.
- `community_content_changed(conditions=…)`: posts, counts or the map on the
  pages of these conditions.
- `member_text_erased()`: a member erased what they wrote; once that commits,
  no copy of a page may keep it, not even an unreachable one in the cache.

The read side (public/caching.py) reads the version through `known_version`:
the hint this module announces to the shared cache, or the database. The hook
lives on the editorial side so that every writer (answers and community
services) can call it without importing the read side.
"""

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from answers import search_index
from answers.models import (
    Condition,
    PageStamp,
    PublicVersion,
    Question,
    StoredPage,
)
from diseasemaps.lib.cache import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

# The shared cache's namespace for public pages and the version hint (tests
# give each test its own: their content versions repeat).
KEY_PREFIX = "page"


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


# --- The version hint ------------------------------------------------------------

# Which public content version is current, as the shared cache last heard it:
# announced by every change (when it is made, and again when it commits) and
# read by every anonymous request, so that a page kept in the cache costs no
# database query. Missing (expired, Redis emptied or down), it is read from the
# database and kept again. Pages are kept under the version read from the
# database they were rendered from, never under this hint: a hint that is
# behind (an announcement lost with Redis unreachable) can only find pages as
# old as itself, and expires after VERSION_TTL seconds; one that is ahead (a
# change rolled back) only finds nothing.
VERSION_TTL = 2
# Each process also remembers the hint for this long: a page it keeps then
# costs no round trip at all. The process that makes a change knows at once;
# the others within this time (measured: asking Redis on every request cost a
# page served from memory a third of its throughput).
LOCAL_HINT_SECONDS = 0.1
_local_hint: tuple[str, float, tuple[int, float]] | None = None
_now = time.monotonic  # a name tests can replace without touching `time`


def _version_key() -> str:
    return f"{KEY_PREFIX}:version"


def _remember(value: tuple[int, float]) -> None:
    global _local_hint
    _local_hint = (_version_key(), _now() + LOCAL_HINT_SECONDS, value)


def announce_version(version: PublicVersion) -> None:
    value = (version.version, version.changed_at.timestamp())
    _remember(value)
    cache.set(_version_key(), value, VERSION_TTL)


def known_version() -> PublicVersion:
    local = _local_hint
    if local is not None and local[0] == _version_key() and _now() < local[1]:
        hint = local[2]
    else:
        hint = cache.get(_version_key())
    if hint is None:
        version = current_version()
        hint = (version.version, version.changed_at.timestamp())
        # add, not set: a change announced meanwhile must not be overwritten.
        cache.add(_version_key(), hint, VERSION_TTL)
    if local is None or local[2] != hint or _now() >= local[1]:
        _remember(hint)
    number, changed_at = hint
    return PublicVersion(
        pk=1, version=number, changed_at=datetime.fromtimestamp(changed_at, UTC)
    )


def _next_version() -> int:
    """Move the public content version on; the new number, in this transaction.

    Announced to the page cache at once and again after the commit: early,
    readers only render pages anew (public/caching.py keeps pages under the
    version read from the database); after, no reader keeps the old hint.
    """
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
    search_index.refresh(questions=questions, conditions=conditions)


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


def member_text_erased() -> None:
    """A member erased what they wrote (a post, their account, their consent).

    A change to public content only moves the validator on: older pages stay
    in the shared cache, unreachable, until they expire. A member's erased
    words must not stay anywhere for a day, so once this transaction commits
    every page kept in the shared cache is removed. Every page is stale by
    then anyway, so nothing useful is lost.
    """
    transaction.on_commit(_forget_cached_pages)


def _pages_changed(condition_ids: set[int], version: int) -> None:
    """Stamp these conditions with `version` and delete their stored pages.

    The stamp comes first: writing it waits for a page being stored for one
    of these conditions (public.pages locks the stamp while it stores), so
    the deletion that follows also removes that page.
    """
    PageStamp.objects.bulk_create(
        [PageStamp(condition_id=pk, version=version) for pk in sorted(condition_ids)],
        update_conflicts=True,
        unique_fields=["condition"],
        update_fields=["version"],
    )
    StoredPage.objects.filter(condition__in=condition_ids).delete()


# --- Erasure from the shared cache ----------------------------------------------


def cached_page_keys() -> list[str]:
    """The cache keys of every stored page, in the backend's own spelling."""
    backend = caches["default"]
    pattern = backend.make_key(f"{KEY_PREFIX}:")
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        return [key.decode() for key in client.scan_iter(match=f"{pattern}*")]
    if isinstance(backend, LocMemCache):
        with backend._lock:
            return [key for key in backend._cache if key.startswith(pattern)]
    return []


def _forget_cached_pages() -> int:
    """Remove every page kept in the shared cache, whatever its validator.

    Raw keys: Django's cache API cannot list keys, so this speaks to the two
    backends settings can configure (Redis, local memory).
    """
    backend = caches["default"]
    try:
        keys = cached_page_keys()
        if isinstance(backend, RedisCache):
            client = backend._cache.get_client(write=True)
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        elif isinstance(backend, LocMemCache):
            with backend._lock:
                for key in keys:
                    backend._cache.pop(key, None)
                    backend._expire_info.pop(key, None)
    except OUTAGE_ERRORS as exc:
        # The pages expire within PAGE_TTL; the erasure itself is done.
        logger.warning("Could not remove stored pages from the cache: %s", exc)
        return 0
    return len(keys)

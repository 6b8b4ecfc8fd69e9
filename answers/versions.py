"""The public content version: one counter that moves with every change to
what readers see, and what readers' caches know of it.

The counter (`PublicVersion`) moves in the transaction of each change
(`next_version`, called by the publication hook in answers/publication.py).
Page ETags and the page caches (public/caching.py) are keyed by it, so no
reader is served a page older than the last change. So that a cached page
costs no query, every change is also announced to the shared cache as a
hint (`announce_version`), which readers read through `known_version`.
The shared cache's page namespace lives here too, because erasure must be
able to empty it (`forget_cached_pages`).
"""

import logging
import time
from datetime import UTC, datetime

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from answers.models import PublicVersion
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


def next_version() -> int:
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


def forget_cached_pages() -> int:
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

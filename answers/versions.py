"""The public content version, what each page's validators are made of, and
what readers' caches know of them.

The counter (`PublicVersion`) moves in the transaction of each change
(`next_version`, called by the publication hook in answers/publication.py).
A page's ETag and page-cache keys (public/caching.py) depend only on what the
page shows (`PageVersion`):

- a condition's pages (its page, its answer pages, its experiences) on that
  condition's stamp (`PageStamp`: the version of the last change to them) and
  on `pages_since` (the last change every page shows: a reviewer's profile, a
  terminology release). A post on one condition leaves every other
  condition's validators and cached pages as they were;
- home, the A–Z and the feeds on `PublicVersion.listings` (editorial
  changes only: no post or map is on them), the sitemap on
  `PublicVersion.sitemap` (editorial changes and posts, not the map);
- every other page (reviewers, corrections, search…) on the counter itself.

So that a cached page costs no query, every change is also announced to the
shared cache as hints (`announce`): the counter (`known_version`) and the
stamps of the conditions it touched, by the address readers use
(`known_condition_version`), and which addresses changed at that version (the
change log): a process that sees the counter move drops only those
conditions' hints from its memory, in the round trip that read the counter.
The shared cache's page namespace lives here too, because erasure must be
able to empty it (`forget_cached_pages`).
"""

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from answers.models import Condition, PageStamp, PublicVersion, Redirect
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
        cursor.execute(
            "SELECT version, changed_at, pages_since, listings, sitemap "  # noqa: S608  # nosec B608 - a model's own table name
            f"FROM {table} WHERE id = 1"
        )
        row = cursor.fetchone()
    if row is None:
        version, _ = PublicVersion.objects.get_or_create(pk=1)
        return version
    number, changed_at, since, listings, sitemap = row
    return PublicVersion(
        pk=1,
        version=number,
        changed_at=aware(changed_at, connection),
        pages_since=since,
        listings=listings,
        sitemap=sitemap,
    )


def aware(changed_at, connection) -> datetime:
    """A timestamp from plain SQL: SQLite hands back text or a naive UTC
    value, PostgreSQL an aware one."""
    if isinstance(changed_at, str):
        changed_at = parse_datetime(changed_at)
    if timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, connection.timezone)
    return changed_at


# --- What a page's validators are made of ---------------------------------------


@dataclass(frozen=True)
class PageVersion:
    """The version of what one page shows: `scope` names what it covers
    ("site", or "c<id>" for one condition's pages, "c0" for an address no
    condition has), `number` moves with every change to it. Last-Modified
    (`changed_at`) is the time of the last public change anywhere when it was
    read: never earlier than the page's own last change, so an
    If-Modified-Since alone is never answered 304 wrongly; the ETag is exact.
    """

    scope: str
    number: int
    changed_at: datetime
    since: int = 0  # `pages_since` when read: the namespace of condition hints

    @classmethod
    def of_site(cls, version: PublicVersion, scope: str = "site") -> "PageVersion":
        """A page that is no condition's: "site" follows every change,
        "listings" and "sitemap" their stamps (`PublicVersion`)."""
        number = version.version if scope == "site" else getattr(version, scope)
        return cls(scope, number, version.changed_at)

    @classmethod
    def of_condition(
        cls, *, condition_id, stamp, since, changed_at: datetime
    ) -> "PageVersion":
        """A condition's pages: its stamp, or the last change every page
        shows if that is later. The condition's id is part of it, so an
        address that moved to another condition, or to none (a rename),
        never matches a page kept for the old one."""
        since = since or 0
        return cls(f"c{condition_id or 0}", max(stamp or 0, since), changed_at, since)


def condition_version_sql(connection) -> tuple[str, str]:
    """What reads, in a statement over PublicVersion `v`, the condition and
    stamp behind the version of the pages at the condition address given as
    the statement's `%s` (see `PageVersion.of_condition`): the columns and the
    joins. public/pages.py reads it in the same query as a stored page."""
    q = connection.ops.quote_name
    columns = f"c.{q('id')}, s.{q('version')}"
    joins = (
        f"LEFT JOIN {q(Condition._meta.db_table)} c ON c.{q('public_slug')} = %s "
        f"LEFT JOIN {q(PageStamp._meta.db_table)} s "
        f"ON s.{q('condition_id')} = c.{q('id')}"
    )
    return columns, joins


def condition_version(slug: str) -> PageVersion:
    """The version of the pages at /conditions/<slug>/…, from the database."""
    connection = connections[router.db_for_read(PublicVersion)]
    q = connection.ops.quote_name
    columns, joins = condition_version_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.{q('changed_at')}, v.{q('pages_since')}, {columns} "  # noqa: S608  # nosec B608 - quoted model names
            f"FROM {q(PublicVersion._meta.db_table)} v {joins} "
            f"WHERE v.{q('id')} = 1",
            [slug],
        )
        row = cursor.fetchone()
    if row is None:  # no PublicVersion row yet: a database just migrated
        version = current_version()
        row = (version.changed_at, version.pages_since, None, None)
    changed_at, since, condition_id, stamp = row
    return PageVersion.of_condition(
        condition_id=condition_id,
        stamp=stamp,
        since=since,
        changed_at=aware(changed_at, connection),
    )


# --- The version hints -----------------------------------------------------------

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
_local_hint: tuple[str, float, tuple] | None = None
_now = time.monotonic  # a name tests can replace without touching `time`


def _version_key() -> str:
    return f"{KEY_PREFIX}:version"


def _remember(value: tuple) -> None:
    global _local_hint
    _local_hint = (_version_key(), _now() + LOCAL_HINT_SECONDS, value)


def _hint_of(version: PublicVersion, *, pending: bool = False) -> tuple:
    # `pending`: announced inside the changing transaction. The same numbers
    # are announced again once it commits; the flag makes the two differ, so
    # the change log's entry is read again and the hints of its conditions
    # remembered in between are asked again (`_catch_up`).
    return (
        version.version,
        version.changed_at.timestamp(),
        version.pages_since or 0,
        pending,
        version.listings or 0,
        version.sitemap or 0,
    )


def announce_version(
    version: PublicVersion, *, pending: bool = False, log: dict | None = None
) -> None:
    """Announce the counter; `log`: the change log's entry for it, so that
    this process drops the hints of the conditions it changed at once."""
    value = _hint_of(version, pending=pending)
    _remember(value)
    cache.set(_version_key(), value, VERSION_TTL)
    _catch_up(value, log or {})


def _site_hint() -> tuple:
    """The counter's hint, from this process's memory or the shared cache.

    Read from the shared cache, it comes with the change log's entries from
    the version this process's condition hints were last brought up to
    (`_catch_up`), in the same round trip: most often they say which
    conditions changed meanwhile."""
    local = _local_hint
    log: dict = {}
    if local is not None and local[0] == _version_key() and _now() < local[1]:
        hint = local[2]
    else:
        keys = [_version_key()]
        base = _conditions_base
        if base is not None and base[0] == _version_key():
            first = _first_unread(base[1])
            keys += [_changed_key(n) for n in range(first, first + LOG_AHEAD)]
        log = cache.get_many(keys)
        hint = log.pop(_version_key(), None)
    if hint is None:
        hint = _hint_of(current_version())
        # add, not set: a change announced meanwhile must not be overwritten.
        cache.add(_version_key(), hint, VERSION_TTL)
    if local is None or local[2] != hint or _now() >= local[1]:
        _remember(hint)
    _catch_up(hint, log)
    return hint


def _since(hint: tuple) -> int:
    return hint[2] if len(hint) > 2 else 0


def _first_unread(hint: tuple) -> int:
    """The first version whose change log entry a process at `hint` has not
    acted on: the next, or this one again if it was announced in its
    transaction (the commit announces it again, or a rollback leaves its
    number to the next change)."""
    pending = hint[3] if len(hint) > 3 else True
    return hint[0] + (0 if pending else 1)


def known_version() -> PublicVersion:
    hint = _site_hint()
    number, changed_at = hint[:2]
    # A hint without the stamps (from before they existed) moves them with
    # every change.
    listings, sitemap = hint[4:6] if len(hint) >= 6 else (number, number)
    return PublicVersion(
        pk=1,
        version=number,
        changed_at=datetime.fromtimestamp(changed_at, UTC),
        pages_since=_since(hint),
        listings=listings,
        sitemap=sitemap,
    )


# A condition's hint is kept in the shared cache under the address readers use
# (the `<slug>` of /conditions/<slug>/…: what a request knows before any
# query) and `pages_since`, so that a change every page shows moves them all
# at once. Each process remembers what it read for VERSION_TTL at most, and
# forgets it sooner when the change log says its condition changed. In the
# shared cache a condition's hint lasts CONDITION_TTL: with 2 s, like the
# counter's, most of 300 answers read in turn found no hint and were read
# from the database (bench: 53 % page-cache hits with 10 changes a second).
# Every change sets its conditions' hints, so a longer life only matters for
# an announcement lost (Redis unreachable from the writer alone): the page
# is then behind for at most this long.
CONDITION_TTL = 30
_local_conditions: dict[str, tuple[str, float, tuple]] = {}
LOCAL_CONDITIONS = 20_000

# The change log: for each version, the addresses of the conditions it
# changed, announced with it (`announce`). A process that sees the counter's
# hint move reads the entries (they live CONDITION_TTL) from the version its
# condition hints were brought up to (`_conditions_base`) to the new one, and
# drops only those conditions' hints (before it, every hint was asked again
# after any change anywhere: one more round trip for every condition's page).
# The base's own entry is read again if it was announced in its transaction:
# the same number is announced again after the commit, or reused after a
# rollback. LOG_AHEAD
# entries come in the round trip that reads the counter; a longer gap costs
# one more, and beyond LOG_MAX versions, a missing entry (expired, Redis
# emptied or unreachable), a move back or a new `pages_since`, the process
# forgets every condition's hint, as it did after any change before.
LOG_AHEAD = 8
LOG_MAX = 512
_conditions_base: tuple[str, tuple] | None = None  # (counter's key, its hint)
_conditions_lock = threading.Lock()


def _condition_key(since: int, slug: str) -> str:
    return f"{KEY_PREFIX}:condition:{since}:{slug}"


def _changed_key(number: int) -> str:
    return f"{KEY_PREFIX}:changed:{number}"


def _condition_hint(version: PageVersion) -> tuple:
    return (version.scope, version.number, version.changed_at.timestamp())


def _catch_up(hint: tuple, log: dict) -> None:
    """Bring this process's condition hints up to the counter's `hint`:
    drop those of the conditions changed since the last one (`log`: the
    change log's entries already read)."""
    global _conditions_base
    target = (_version_key(), hint)
    if _conditions_base == target:
        return
    with _conditions_lock:
        base = _conditions_base
        if base == target:
            return
        changed = _changed_between(base, hint, log)
        if changed is None:
            _local_conditions.clear()
        else:
            for slug in changed:
                _local_conditions.pop(slug, None)
        _conditions_base = target


def _changed_between(base, hint: tuple, log: dict) -> set[str] | None:
    """The addresses changed from `base` to `hint`; None if the log cannot
    tell (forget them all)."""
    if base is None or base[0] != _version_key() or _since(base[1]) != _since(hint):
        return None
    first, last = _first_unread(base[1]), hint[0]
    if last < base[1][0] or last - first > LOG_MAX:
        return None
    keys = [_changed_key(n) for n in range(first, last + 1)]
    missing = [key for key in keys if key not in log]
    if missing:
        log = {**log, **cache.get_many(missing)}
    changed: set[str] = set()
    for key in keys:
        slugs = log.get(key)
        if slugs is None:
            return None
        changed.update(slugs)
    return changed


def known_condition_version(slug: str) -> PageVersion | None:
    """The version of the pages at /conditions/<slug>/… as the shared cache
    last heard it; None when it has no hint (the caller reads the database
    and calls `remember_condition_version`)."""
    since = _since(_site_hint())
    base = _conditions_base
    key = _condition_key(since, slug)
    local = _local_conditions.get(slug)
    if local is not None and local[0] == key and _now() < local[1]:
        value = local[2]
    else:
        value = cache.get(key)
        if value is None:
            return None
        with _conditions_lock:
            # Not if the counter moved meanwhile: this value may be older
            # than what the log said then.
            if _conditions_base == base:
                if len(_local_conditions) >= LOCAL_CONDITIONS:
                    _local_conditions.clear()
                _local_conditions[slug] = (key, _now() + VERSION_TTL, value)
    scope, number, changed_at = value
    return PageVersion(scope, number, datetime.fromtimestamp(changed_at, UTC), since)


def remember_condition_version(slug: str, version: PageVersion) -> None:
    """Keep a condition's version read from the database as its hint (add,
    not set: a change announced meanwhile must not be overwritten)."""
    cache.add(
        _condition_key(version.since, slug), _condition_hint(version), CONDITION_TTL
    )


def next_version(*, listings: bool = False, sitemap: bool = False) -> int:
    """Move the public content version on; the new number, in this transaction.

    `listings` and `sitemap`: the change shows on home, the A–Z and the feeds,
    or on the sitemap; their stamps move with it (`PageVersion.of_site`).
    The publication hook announces it (`announce`) once it has stamped the
    conditions the change touched.
    """
    stamps = {}
    if listings:
        stamps["listings"] = F("version") + 1
    if sitemap:
        stamps["sitemap"] = F("version") + 1
    updated = PublicVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now(), **stamps
    )
    if not updated:
        PublicVersion.objects.get_or_create(
            pk=1, defaults={"version": 2, **dict.fromkeys(stamps, 2)}
        )
    return PublicVersion.objects.values_list("version", flat=True).get(pk=1)


def announce(condition_ids: Iterable[int] = ()) -> None:
    """Announce a change made in this transaction to the page caches' hints:
    at once and again after the commit. Early, readers only render pages anew
    (public/caching.py keeps pages under the version read from the database);
    after, no reader keeps the old hint.

    The touched conditions' hints go first, under every address they answer
    (an old one redirects), then the counter's: a reader that sees the new
    counter asks for a condition's hint again and finds the new one.
    """
    version = PublicVersion.objects.only(
        "version", "changed_at", "pages_since", "listings", "sitemap"
    ).get(pk=1)
    hints = _condition_hints(set(condition_ids), version)
    # The change log's entry for this version: which addresses it changed.
    entry = {_changed_key(version.version): tuple(slug for _, slug in hints)}

    keyed = {_condition_key(since, slug): hint for (since, slug), hint in hints.items()}

    def send(pending: bool) -> None:
        # One round trip, before the counter: a reader that sees the new
        # counter finds the entry and the new hints.
        cache.set_many({**keyed, **entry}, CONDITION_TTL)
        announce_version(version, pending=pending, log=entry)

    send(pending=True)
    transaction.on_commit(lambda: send(pending=False))


def _condition_hints(condition_ids: set[int], version: PublicVersion) -> dict:
    if not condition_ids:
        return {}
    since = version.pages_since or 0
    current = dict(
        Condition.objects.filter(
            pk__in=condition_ids, public_slug__isnull=False
        ).values_list("public_slug", "pk")
    )
    slugs = set(current) | set(
        Redirect.objects.filter(
            condition__in=condition_ids, question__isnull=True
        ).values_list("old_slug", flat=True)
    )
    # Addresses these conditions left may belong to another condition now.
    owners = dict(
        Condition.objects.filter(public_slug__in=slugs - set(current)).values_list(
            "public_slug", "pk"
        )
    )
    stamps = dict(
        PageStamp.objects.filter(
            condition__in={*current.values(), *owners.values()}
        ).values_list("condition_id", "version")
    )
    hints = {}
    for slug in slugs:
        pk = current.get(slug) or owners.get(slug)
        page = PageVersion.of_condition(
            condition_id=pk,
            stamp=stamps.get(pk, 0),
            since=since,
            changed_at=version.changed_at,
        )
        hints[since, slug] = _condition_hint(page)
    return hints


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

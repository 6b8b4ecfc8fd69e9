"""Read replicas: anonymous page views read from a healthy standby, everything
else from the primary.

The rules, in the order the middleware and router apply them:

- Outside a request (management commands, the shell, tests, mail sent after a
  commit) every query goes to the primary.
- A request may read from a replica only when it is a safe method (GET, HEAD,
  OPTIONS) from a client that carries no session cookie and no pin cookie. The
  session cookie is the cheap, certain sign of a logged-in member or of a
  half-finished sign-up or login: deciding without loading the session keeps
  the session itself off the replicas (a session written by a login a moment
  ago may not have reached them yet).
- Every write goes to the primary. A write during a request sends the rest of
  that request's reads to the primary too, and every response to a write or to
  an unsafe method pins the client to the primary for `pin_seconds()`, with a
  signed cookie: the request after a login, logout or sign-up sees it even when
  the replicas are behind (read-your-writes).
- A replica that cannot be reached, or that is more than
  DATABASE_REPLICA_MAX_LAG seconds behind, is skipped. Health is measured at
  most every CHECK_EVERY seconds per process; an unreachable replica is tried
  again after a growing back-off. Going down and coming back are logged once,
  not per request. The chosen replica's connection is checked before any page
  code runs, and a replica that fails later, inside the view, has that (safe,
  anonymous) view run again on the primary instead of answering 500. (Not
  covered: one dying in the instant between that check and the page cache's
  first query, which is in middleware, before the view.)
- One request reads from one alias throughout, so the public content version
  the page cache keys on and the content it stores come from the same place
  (see public/caching.py).
"""

import contextlib
import itertools
import logging
import math
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PIN_COOKIE = "dm_primary"
PIN_SALT = "diseasemaps.lib.replicas.pin"
# Reads of these apps always go to the primary: the session a login wrote a
# moment ago must be found, whatever the replicas have replayed.
PRIMARY_ONLY_APPS = frozenset({"sessions"})

CHECK_EVERY = 2.0  # seconds a replica's measured health is trusted
RETRY_DOWN_AFTER = (5.0, 10.0, 20.0, 40.0, 60.0)  # back-off for an unreachable one
_now = time.monotonic  # a name tests can replace without touching `time`

# What a standby says about how far behind it is (see lag_from).
LAG_SQL = """
SELECT
    pg_is_in_recovery(),
    pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),
    coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false)
        AND EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'startup'
                    AND wait_event = 'RecoveryWalStream'),
    EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'startup'),
    extract(epoch FROM now() - pg_last_xact_replay_timestamp())
"""


@dataclass
class Route:
    """Where this request reads; a ContextVar holds one per request."""

    alias: str = PRIMARY
    wrote: bool = False
    retried: bool = False


_route: ContextVar[Route | None] = ContextVar("diseasemaps_db_route", default=None)


def configured_replicas() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def max_lag() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 10))


def pin_seconds() -> int:
    """How long a client reads from the primary after its last write.

    A replica in use was at most max_lag() behind when last measured, and can
    have fallen further behind for CHECK_EVERY seconds since: after that long,
    any replica we would pick has replayed the write.
    """
    return math.ceil(max_lag() + CHECK_EVERY)


def read_alias() -> str:
    route = _route.get()
    return PRIMARY if route is None else route.alias


# --- Health --------------------------------------------------------------------


@dataclass
class Health:
    state: str = "unknown"  # "up", "lagging", "down"
    lag: float | None = None
    next_check: float = 0.0
    failures: int = 0
    checking: bool = field(default=False, repr=False)


_health: dict[str, Health] = {}
_lock = threading.Lock()
_turn = itertools.count()


def reset_health() -> None:
    """Forget what is known about every replica (tests; a changed setting)."""
    with _lock:
        _health.clear()
        _blind.clear()


def health(alias: str) -> Health:
    with _lock:
        return _health.setdefault(alias, Health())


def measure_lag(alias: str) -> float | None:
    """Seconds `alias` is behind the primary; raises DatabaseError when down."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        row = cursor.fetchone()
    return lag_from(alias, *row)


_blind: set[str] = set()


def lag_from(
    alias: str,
    in_recovery: bool,
    replayed_all_received: bool | None,
    waiting_for_stream: bool,
    sees_replay: bool,
    age: float | None,
) -> float | None:
    """Lag in seconds from LAG_SQL's answer; None when unknown (too far behind).

    - Not in recovery (a promoted standby, or the primary given as a replica):
      current.
    - Replay has reached the end of the WAL received: current.
    - Replay is idle, waiting for more WAL from a live stream: current. The
      LSNs alone are not enough: an idle primary can leave half a record at
      the end of what it sent (a page flushed before the record's end), which
      the standby cannot replay until more WAL comes, so they may never match
      again and the commit age below would grow without anything missing.
      Seeing the replay process needs pg_monitor (or pg_read_all_stats).
    - Otherwise WAL is waiting (replay busy, paused, blocked, or the stream is
      down): the age of the last transaction replayed, what a reader misses
      at most. Unknown (nothing replayed since start-up) counts as too far.
    """
    if not in_recovery or replayed_all_received or waiting_for_stream:
        return 0.0
    if not sees_replay and alias not in _blind:
        _blind.add(alias)
        logger.warning(
            "Read replica %s: the database user cannot see the replay process, "
            "so a quiet primary makes this replica look behind and reads go to "
            "the primary. GRANT pg_monitor TO the user (on the primary).",
            alias,
        )
    return None if age is None else max(0.0, float(age))


def _summary(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _set_state(alias: str, state: str, lag: float | None, reason: str = "") -> None:
    """Record a measurement; log only a change of state. Call with _lock held."""
    current = _health.setdefault(alias, Health())
    previous, now = current.state, _now()
    current.state, current.lag = state, lag
    if state == "down":
        current.failures += 1
        step = min(current.failures, len(RETRY_DOWN_AFTER)) - 1
        current.next_check = now + RETRY_DOWN_AFTER[step]
    else:
        current.failures = 0
        current.next_check = now + CHECK_EVERY
    if state == previous:
        return
    if state == "down":
        logger.warning(
            "Read replica %s is unreachable; reading from the primary until it "
            "answers again: %s",
            alias,
            reason,
        )
    elif state == "lagging":
        logger.warning(
            "Read replica %s is %s behind, more than DATABASE_REPLICA_MAX_LAG=%gs; "
            "reading from the primary until it catches up.",
            alias,
            "an unknown time" if lag is None else f"{lag:.1f}s",
            max_lag(),
        )
    elif previous in {"down", "lagging"}:
        logger.warning(
            "Read replica %s is back (%.1fs behind); reading from it again.",
            alias,
            lag or 0.0,
        )


def mark_down(alias: str, exc: BaseException) -> None:
    with _lock:
        _set_state(alias, "down", None, _summary(exc))
    # Already broken, most likely; the next attempt opens a new one.
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def is_usable(alias: str) -> bool:
    """Whether `alias` may serve reads now: measured at most every CHECK_EVERY
    seconds (an unreachable one after its back-off), by one thread at a time;
    the others go by the last measurement meanwhile."""
    with _lock:
        known = _health.setdefault(alias, Health())
        if known.checking or _now() < known.next_check:
            return known.state == "up"
        known.checking = True
    try:
        lag = measure_lag(alias)
    except DatabaseError as exc:
        with _lock:
            known.checking = False
        mark_down(alias, exc)
        return False
    limit = max_lag()
    with _lock:
        known.checking = False
        state = "up" if lag is not None and lag <= limit else "lagging"
        _set_state(alias, state, lag)
    return state == "up"


def _connected(alias: str) -> bool:
    """Open (or re-check, once per request) the replica's connection now, so a
    standby that died since its last health check sends this request to the
    primary before any page code runs rather than failing half-way."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        mark_down(alias, exc)
        return False
    return True


def choose_replica(replicas: list[str]) -> str | None:
    """A usable replica, taking turns between them; None when there is none."""
    if not replicas:
        return None
    start = next(_turn) % len(replicas)
    for alias in replicas[start:] + replicas[:start]:
        if is_usable(alias) and _connected(alias):
            return alias
    return None


# --- Request side ---------------------------------------------------------------


def is_pinned(request: HttpRequest) -> bool:
    value = request.get_signed_cookie(
        PIN_COOKIE, default=None, salt=PIN_SALT, max_age=pin_seconds()
    )
    return value is not None


def may_read_from_replica(request: HttpRequest) -> bool:
    return (
        request.method in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not is_pinned(request)
    )


def pin(response: HttpResponse) -> None:
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=PIN_SALT,
        max_age=pin_seconds(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    # A response that sets a cookie is this client's alone.
    patch_cache_control(response, private=True)


class ReplicaRoutingMiddleware:
    """Decides where this request reads (outside the session, auth and page
    cache middleware, so their queries follow the same decision)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        replicas = configured_replicas()
        if not replicas:
            return self.get_response(request)
        route = Route()
        if may_read_from_replica(request):
            route.alias = choose_replica(replicas) or PRIMARY
        token = _route.set(route)
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        if route.wrote or request.method not in SAFE_METHODS:
            pin(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A replica failing mid-request: run this safe, anonymous request again
        on the primary (once), and keep the replica out until it answers."""
        route = _route.get()
        if (
            route is None
            or route.alias == PRIMARY
            or route.retried
            or not isinstance(exception, OperationalError | InterfaceError)
        ):
            return None
        mark_down(route.alias, exception)
        route.alias, route.retried = PRIMARY, True
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
        return response


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry: writes and migrations on the primary, reads where
    the current request's route says."""

    def db_for_read(self, model, **hints) -> str:
        route = _route.get()
        if route is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        return route.alias

    def db_for_write(self, model, **hints) -> str:
        route = _route.get()
        if route is not None:
            # Read-your-writes within the request, and on the next ones.
            route.alias, route.wrote = PRIMARY, True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Every alias holds the same data: an object read from a replica may
        # be linked to one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        # Standbys replay the primary's schema; they cannot be migrated.
        return db == PRIMARY

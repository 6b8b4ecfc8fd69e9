"""While the database is unreachable, pages answer 503 with Retry-After.

A PostgreSQL restart or failover takes seconds. Requests in that window fail on
a lost or refused connection; readers and crawlers should be told "come back
shortly" (503, Retry-After), not shown an error page with status 500 that a
search engine may remember, and the log should say "database down" once, not a
traceback per request.

- `server_error` is the project's handler500. Django calls it for any uncaught
  exception, wherever it was raised (a view, the session or cache middleware),
  with the exception still being handled, so it can tell an outage apart.
  With DEBUG on Django shows its technical page instead, as for every error.
- `DatabaseOutageMiddleware` retries a GET or HEAD once when its connection was
  lost under it while the server itself is back (a restart just over, a proxy
  dropping connections), and logs the outage: when it starts, once a minute
  while it lasts, and when it ends.
- `SkipDatabaseOutage` keeps Django's per-request traceback for those 503s out
  of the log.

Django closes a broken persistent connection at the end of the request that
found it broken, and CONN_HEALTH_CHECKS (diseasemaps.lib.env) tests a reused
connection before a request's first query, so the first request after the
database is back gets a fresh connection.
"""

import logging
import sqlite3
import sys
import threading
import time

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER = 30  # seconds; a restart is shorter, a failover may be longer
LOG_EVERY = 60.0  # seconds between "still down" lines
SAFE_TO_REPEAT = {"GET", "HEAD"}
# SQLSTATEs of a server going away or not ready yet: admin_shutdown,
# crash_shutdown, cannot_connect_now. Class 08 is "connection exception".
GOING_AWAY = {"57P01", "57P02", "57P03"}

_now = time.monotonic  # a name tests can replace


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether `exc` means "no usable connection", not a failed query.

    Deadlocks, serialization failures, statement timeouts and SQLite's
    "database is locked" are OperationalErrors too, but they are bugs or load,
    and stay ordinary errors with a traceback.
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if type(cause).__module__.split(".")[0] == "psycopg":
        sqlstate = getattr(cause, "sqlstate", None)
        # No SQLSTATE: the client lost the connection or never got one.
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in GOING_AWAY
    # SQLite: the database file cannot be opened (a missing or unmounted disk).
    return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_CANTOPEN


def unavailable_response() -> HttpResponse:
    """A page that needs no database, no session and no request context."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    # Neither a browser nor a CDN may keep this in place of the real page.
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 for a database outage, the usual 500 page otherwise."""
    exc = sys.exc_info()[1]
    if not is_database_outage(exc):
        return defaults.server_error(request)
    response = unavailable_response()
    response.database_error = _summary(exc)
    return response


def _summary(exc: BaseException) -> str:
    # The first line only: enough to tell "refused" from "shutting down".
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"


def _had_a_connection() -> bool:
    return any(c.connection is not None for c in connections.all(initialized_only=True))


def close_broken_connections() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


class _Outage:
    """What this process has seen of the current outage, for the log."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.started: float | None = None
        self.failed = 0
        self.logged = 0.0

    def failed_request(self, error: str) -> None:
        with self.lock:
            now = _now()
            self.failed += 1
            if self.started is None:
                self.started, self.logged = now, now
                message, args = (
                    "Database unreachable, answering 503 until it is back: %s",
                    (error,),
                )
            elif now - self.logged >= LOG_EVERY:
                self.logged = now
                message, args = (
                    "Database still unreachable after %.0f s; %d requests "
                    "answered 503 so far: %s",
                    (now - self.started, self.failed, error),
                )
            else:
                return
        logger.error(message, *args)

    def served(self) -> None:
        if self.started is None:  # no lock on the common path
            return
        with self.lock:
            if self.started is None:
                return
            lasted, failed = _now() - self.started, self.failed
            self.reset()
        logger.warning(
            "Database reachable again after %.1f s; %d requests were answered 503.",
            lasted,
            failed,
        )


outage = _Outage()


class DatabaseOutageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(response, "database_error", None)
            and request.method in SAFE_TO_REPEAT
            and _had_a_connection()
        ):
            # The connection died under this request (a restart, a proxy
            # dropping it); the server may well be fine again. Reading twice
            # is harmless, posting twice is not: only GET and HEAD are repeated.
            # A connection that could not even be opened is not tried again.
            logger.warning(
                "Database connection lost during a %s request; tried again "
                "on a new connection: %s",
                request.method,
                response.database_error,
            )
            close_broken_connections()
            response = self.get_response(request)
        error = getattr(response, "database_error", None)
        if error:
            outage.failed_request(error)
        elif response.status_code < 500:
            outage.served()
        return response


class SkipDatabaseOutage(logging.Filter):
    """Drops django.request's traceback for each 503 of an outage: the
    middleware logs the outage itself, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (
            getattr(record, "status_code", None) == 503 and is_database_outage(exc)
        )

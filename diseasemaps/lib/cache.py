"""A Redis cache that degrades to "no cache" when Redis is unreachable.

Pages must stay up when the cache is down (DESIGN.md): a failed read is a miss,
a failed write is skipped. An outage is logged once a minute per process, with
the number of failures in between, not once per request.

A hung Redis (accepting connections, never answering) costs the socket timeout
on every call, and one page makes several calls (page cache read and write,
rate limits). So after a failure the cache stops asking that server for
`BREAK_FOR` seconds (a circuit breaker, per process and per server): one page
pays the timeout, the next ones are served without cache at full speed, and one
call after the pause finds out whether Redis is back.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Any Redis failure (down, slow, out of memory, read-only replica) is an outage.
OUTAGE_ERRORS = (RedisError, OSError)


LOG_EVERY = 60.0  # seconds
BREAK_FOR = 5.0  # seconds without Redis after a failed call
_now = time.monotonic  # a name tests can replace without touching `time`


class _OneClientPerPool(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every call, and building
    one (it registers some 170 response callbacks) cost as much as the round
    trip to Redis: measured, a page served from the cache spent more time
    there than anywhere else. One per connection pool instead; a `redis.Redis`
    is safe to share between threads, its connections come from the pool."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    _lock = threading.Lock()
    _last_logged = 0.0
    _suppressed = 0
    # Server location -> monotonic time until which it is not asked.
    _paused_until: dict[str, float] = {}

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool

    # --- The breaker and the log -------------------------------------------------

    @property
    def _server_key(self) -> str:
        return ",".join(self._servers)

    def _paused(self) -> bool:
        until = self._paused_until.get(self._server_key)
        if until is None or _now() >= until:
            return False
        cls = type(self)
        with cls._lock:
            cls._suppressed += 1
        return True

    def _failed(self, operation: str, exc: Exception) -> None:
        cls = type(self)
        with cls._lock:
            now = _now()
            cls._paused_until[self._server_key] = now + BREAK_FOR
            if now - cls._last_logged < LOG_EVERY:
                cls._suppressed += 1
                return
            suppressed, cls._suppressed, cls._last_logged = cls._suppressed, 0, now
        logger.warning(
            "Cache %s failed, carrying on without cache (Redis is asked again in "
            "%.0f s): %s%s",
            operation,
            BREAK_FOR,
            exc,
            f" ({suppressed} more failures since the last warning)"
            if suppressed
            else "",
        )

    def _guarded(
        self, operation: str, call: Callable[[], Any], fallback: Callable[[], Any]
    ) -> Any:
        if self._paused():
            return fallback()
        try:
            return call()
        except OUTAGE_ERRORS as exc:
            self._failed(operation, exc)
            return fallback()

    # --- The cache API -----------------------------------------------------------

    def get(self, key, default=None, version=None):
        return self._guarded(
            "get",
            lambda: RedisCache.get(self, key, default, version),
            lambda: default,
        )

    def get_many(self, keys, version=None):
        return self._guarded(
            "get_many",
            lambda: RedisCache.get_many(self, keys, version),
            dict,
        )

    def has_key(self, key, version=None):
        return self._guarded(
            "has_key",
            lambda: RedisCache.has_key(self, key, version),
            lambda: False,
        )

    def add(self, key, value, timeout=None, version=None):
        return self._guarded(
            "add",
            lambda: RedisCache.add(self, key, value, timeout, version),
            lambda: False,
        )

    def set(self, key, value, timeout=None, version=None):
        self._guarded(
            "set",
            lambda: RedisCache.set(self, key, value, timeout, version),
            lambda: None,
        )

    def set_many(self, data, timeout=None, version=None):
        return self._guarded(
            "set_many",
            lambda: RedisCache.set_many(self, data, timeout, version),
            lambda: list(data),
        )

    def touch(self, key, timeout=None, version=None):
        return self._guarded(
            "touch",
            lambda: RedisCache.touch(self, key, timeout, version),
            lambda: False,
        )

    def delete(self, key, version=None):
        return self._guarded(
            "delete",
            lambda: RedisCache.delete(self, key, version),
            lambda: False,
        )

    def delete_many(self, keys, version=None):
        self._guarded(
            "delete_many",
            lambda: RedisCache.delete_many(self, keys, version),
            lambda: None,
        )

    def incr(self, key, delta=1, version=None):
        def unavailable():
            raise ValueError(f"Key {key!r} not found (cache unavailable).")

        return self._guarded(
            "incr",
            lambda: RedisCache.incr(self, key, delta, version),
            unavailable,
        )

    def clear(self):
        return self._guarded("clear", lambda: RedisCache.clear(self), lambda: False)

"""A Redis cache that degrades to "no cache" when Redis is unreachable.

Pages must stay up when the cache is down (DESIGN.md): a failed read is a miss,
a failed write is skipped. An outage is logged once a minute per process, with
the number of failures in between, not once per request.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Any Redis failure (down, slow, out of memory, read-only replica) is an outage.
OUTAGE_ERRORS = (RedisError, OSError)


LOG_EVERY = 60.0  # seconds
_now = time.monotonic  # a name tests can replace without touching `time`


class ResilientRedisCache(RedisCache):
    _lock = threading.Lock()
    _last_logged = 0.0
    _suppressed = 0

    def _warn(self, operation: str, exc: Exception) -> None:
        cls = type(self)
        with cls._lock:
            now = _now()
            if now - cls._last_logged < LOG_EVERY:
                cls._suppressed += 1
                return
            suppressed, cls._suppressed, cls._last_logged = cls._suppressed, 0, now
        logger.warning(
            "Cache %s failed, carrying on without cache: %s%s",
            operation,
            exc,
            f" ({suppressed} more failures since the last warning)"
            if suppressed
            else "",
        )

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except OUTAGE_ERRORS as exc:
            self._warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except OUTAGE_ERRORS as exc:
            self._warn("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except OUTAGE_ERRORS as exc:
            self._warn("has_key", exc)
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except OUTAGE_ERRORS as exc:
            self._warn("add", exc)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except OUTAGE_ERRORS as exc:
            self._warn("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except OUTAGE_ERRORS as exc:
            self._warn("set_many", exc)
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except OUTAGE_ERRORS as exc:
            self._warn("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except OUTAGE_ERRORS as exc:
            self._warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except OUTAGE_ERRORS as exc:
            self._warn("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except OUTAGE_ERRORS as exc:
            self._warn("incr", exc)
            raise ValueError(f"Key {key!r} not found (cache unavailable).") from exc

    def clear(self):
        try:
            return super().clear()
        except OUTAGE_ERRORS as exc:
            self._warn("clear", exc)
            return False

"""Fixed-window rate limits kept in the shared cache.

Counts live in Redis in production, so every app server sees the same totals.
If the cache is unreachable the limit fails open: posting stays possible while
moderation still applies, which is better than locking every member out.
"""

import time
import uuid
from contextlib import contextmanager

from django.core.cache import cache

# Tests give each test its own namespace, so counts never leak between them.
PREFIX = "ratelimit"


def hit(scope: str, key: str, *, limit: int, window: int) -> int | None:
    """Count one action; return seconds to wait if over `limit` per `window` s."""
    bucket = int(time.time() // window)
    cache_key = f"{PREFIX}:{scope}:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr, or cache down
            cache.add(cache_key, 1, timeout=window + 5)
            count = 1
    if count > limit:
        return window - int(time.time()) % window
    return None


@contextmanager
def counted_apart(name: str):
    """Count what runs inside apart from everyone's own counts (a new
    namespace for the duration): for tools that act for people, such as the
    demo loader posting for its members, whose posts are not theirs and must
    not use up their hour."""
    global PREFIX
    outer = PREFIX
    PREFIX = f"{outer}:{name}:{uuid.uuid4().hex}"
    try:
        yield
    finally:
        PREFIX = outer

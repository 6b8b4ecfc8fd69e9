"""Fixed-window rate limits kept in the shared cache.

Counts live in Redis in production, so every app server sees the same totals.
If the cache is unreachable the limit fails open: posting stays possible while
moderation still applies, which is better than locking every member out.
"""

import time

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

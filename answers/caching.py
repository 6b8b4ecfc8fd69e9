"""HTTP caching of public pages for anonymous readers.

Every public page carries an ETag and Last-Modified derived from the public
content version (answers.publication), the code release and today's date (an
answer becomes overdue at midnight without any edit). A repeat request with a
matching validator gets 304; a CDN or proxy may store pages ("public, no-cache")
but must revalidate, which costs one query here. Rendered pages are kept in the
shared cache under the same validator, so a change is visible on the very next
request. Logged-in pages are never stored anywhere.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import lru_cache

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from answers.publication import current_version
from diseasemaps.lib.cache import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

# Pages that look the same for every anonymous reader.
PUBLIC_VIEWS = {
    "answers:home",
    "answers:condition_index",
    "answers:condition",
    "answers:answer",
    "answers:reviewer",
    "answers:editorial_policy",
    "answers:search",
    "community:experiences",
    "sitemap",
    "robots",
    "feed",
}
# Validators (ETag/304) but no stored copy: every distinct ?q= would be a new
# entry, and anyone could fill the cache with them.
NOT_STORED = {"answers:search"}
PAGE_TTL = 24 * 3600
# Tests give each test its own namespace (their content versions repeat).
KEY_PREFIX = "page"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Robots-Tag")
# Each process also keeps the pages it served last, so a popular page costs no
# round trip to the shared cache. Keys carry the content version like the
# shared ones, so this copy is never older than the shared cache.
LOCAL_BYTES = 16 * 1024 * 1024


class LocalPages:
    """A small least-recently-used store of rendered pages, per process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._pages: OrderedDict[str, tuple[bytes, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, dict] | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: tuple[bytes, dict]) -> None:
        size = len(page[0])
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self._pages[key] = page
            self.size += size
            while self.size > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self.size -= len(evicted[0])


local_pages = LocalPages(LOCAL_BYTES)


@lru_cache(maxsize=4096)
def _view_name(urlconf: str, path: str) -> str | None:
    # Resolving tries the URL patterns one by one (about 20 for an answer);
    # for a page served from the cache that was a tenth of the request.
    try:
        return resolve(path, urlconf).view_name
    except Resolver404:
        return None


def _public_view(request: HttpRequest) -> str | None:
    """The public view this request is for, if it may be cached at all."""
    if request.method not in {"GET", "HEAD"}:
        return None
    # Only readers without a session or a pending flash message: anything in
    # either could make this response personal.
    if (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
    ):
        return None
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    view_name = _view_name(urlconf, request.path_info)
    return view_name if view_name in PUBLIC_VIEWS else None


class PublicPageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            response = self.get_response(request)
            # Personal pages: no browser history cache, no shared cache.
            patch_cache_control(response, private=True, no_store=True)
            return response
        view_name = _public_view(request)
        if view_name is None:
            return self.get_response(request)

        # Through the router, so from the database this request reads its page
        # from (a replica for anonymous readers when one is healthy, see
        # diseasemaps/lib/replicas.py), and before any content. A standby
        # replays whole transactions in commit order and the version moves in
        # the same transaction as the content it covers, so a page rendered
        # after this read is at least as new as the version it is stored
        # under. Reading the version from the primary instead would let a
        # lagging replica's old page be stored under the new version and be
        # served as current until the next change. (A reader switching between
        # a lagging replica and the primary may see one page older again, for
        # at most DATABASE_REPLICA_MAX_LAG seconds.)
        version = current_version()
        etag = f'"{version.version}-{settings.RELEASE}-{timezone.localdate():%Y%m%d}"'
        last_modified = version.changed_at.timestamp()
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(last_modified)
        )
        if not_modified is not None:
            return self._headers(not_modified, etag, last_modified)

        if view_name in NOT_STORED:
            return self._headers(self.get_response(request), etag, last_modified)
        # Hashed: a long query string must not make an over-long cache key.
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"{KEY_PREFIX}:{etag}:{path}"
        cached = local_pages.get(key)
        if cached is None:
            cached = cache.get(key)
            if cached is not None:
                local_pages.put(key, cached)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return self._headers(response, etag, last_modified)

        started = time.monotonic()
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
        ):
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            cache.set(key, (response.content, headers), PAGE_TTL)
            local_pages.put(key, (response.content, headers))
            response["X-Page-Cache"] = (
                f"miss; {1000 * (time.monotonic() - started):.0f}ms"
            )
        return self._headers(response, etag, last_modified)

    @staticmethod
    def _headers(response: HttpResponse, etag: str, last_modified: float):
        if response.status_code in {200, 304}:
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
            patch_cache_control(response, public=True, no_cache=True)
        return response


def stored_page_keys() -> list[str]:
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


def forget_pages() -> int:
    """Remove every stored page from the cache, whatever its validator.

    A change to public content only moves the validator on: older pages
    stay in the cache, unreachable, until they expire. When a member erases
    what they wrote (a post, their account, their consent) their words must
    not stay anywhere for a day, so erasure calls this after it commits.
    Every page is stale by then anyway, so nothing useful is lost. Raw keys:
    Django's cache API cannot list keys, so this speaks to the two backends
    settings can configure (Redis, local memory).
    """
    backend = caches["default"]
    try:
        keys = stored_page_keys()
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

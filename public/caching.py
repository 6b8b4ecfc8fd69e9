"""HTTP caching of public pages for anonymous readers.

Every public page carries an ETag and Last-Modified derived from the version of
what it shows (answers/versions.py: a condition's pages from that condition's
stamp, home, A–Z, feeds and sitemap from the stamps of what they list, other
pages from the public content version), the
code release and today's date (an answer becomes overdue at midnight without
any edit); the ETag is a keyed hash of them, so it counts nothing. A change to
one condition leaves every other condition's validators and kept pages valid.
A repeat request with a matching validator gets 304; a CDN or proxy may store
pages ("public, no-cache") but must revalidate, which costs one query here.
Rendered pages are kept in the shared cache under the same validator, so a
change is visible on the very next request. Logged-in pages are never stored anywhere.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import lru_cache

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.http import http_date

from answers import versions
from answers.versions import PageVersion, current_version, known_version
from diseasemaps.lib.visitors import is_logged_in

logger = logging.getLogger(__name__)

# Pages that look the same for every anonymous reader.
PUBLIC_VIEWS = {
    "public:home",
    "public:condition_index",
    "public:condition",
    "public:catalogue_concept",
    "public:answer",
    "public:reviewer",
    "public:editorial_policy",
    "public:corrections",
    "public:corrections_feed",
    "public:search",
    "community:experiences",
    "public:sitemap",
    "public:robots",
    "public:feed",
}
# Pages that show one condition, named by the URL's `slug`: their validators
# follow that condition's stamp alone (answers.versions.PageVersion).
CONDITION_VIEWS = {
    "public:condition": "slug",
    "public:answer": "condition_slug",
    "community:experiences": "slug",
}
# Pages that list every condition, whose validators follow only what they
# show (answers.versions.PageVersion.of_site): editorial changes for home, the
# A–Z and the feeds, those and posts for the sitemap. Every other page follows
# every change.
SITE_SCOPES = {
    "public:home": "listings",
    "public:condition_index": "listings",
    "public:feed": "listings",
    "public:corrections_feed": "listings",
    "public:sitemap": "sitemap",
}
# Validators (ETag/304) but no stored copy: every distinct ?q= would be a new
# entry, and anyone could fill the cache with them.
NOT_STORED = {"public:search"}
# Answer and condition pages are kept in the database once rendered, one query
# away (public/pages.py): the shared cache would only add a round trip to
# every miss and a second copy of every page. Only this process keeps them.
STORED_IN_DATABASE = {"public:answer", "public:condition"}
PAGE_TTL = 24 * 3600
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
def _view_name(urlconf: str, path: str) -> tuple[str | None, str | None]:
    """The view's name and, for a condition's page, the condition's address.

    Resolving tries the URL patterns one by one (about 20 for an answer);
    for a page served from the cache that was a tenth of the request.
    """
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None, None
    kwarg = CONDITION_VIEWS.get(match.view_name)
    return match.view_name, match.kwargs.get(kwarg) if kwarg else None


def is_anonymous_reader(request: HttpRequest) -> bool:
    """A GET or HEAD whose response is the same for every such reader.

    Only readers without a session or a pending flash message: anything in
    either could make the response personal.
    """
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not is_logged_in(request)
    )


def _public_view(request: HttpRequest) -> tuple[str | None, str | None]:
    """The public view this request is for, if it may be cached at all, and
    the address of the condition whose page it is, if it is one."""
    if not is_anonymous_reader(request):
        return None, None
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    view_name, slug = _view_name(urlconf, request.path_info)
    return (view_name, slug) if view_name in PUBLIC_VIEWS else (None, None)


def _validators(version: PageVersion) -> tuple[str, float]:
    return (
        etag_for(version.number, scope=version.scope),
        version.changed_at.timestamp(),
    )


def etag_for(version: int, *, scope: str = "site") -> str:
    """The ETag of public pages of this scope at this version, release and
    day (answers.versions.PageVersion).

    A keyed hash of them, not the values: the version counts every change the
    site ever had, which is nobody's business. Same value in every process
    (the key is SECRET_KEY); a new release or day still gives a new ETag.
    """
    return _etag(f"{scope}-{version}-{settings.RELEASE}-{timezone.localdate():%Y%m%d}")


# One entry per condition read lately and per day: a keyed hash is cheap, but
# not free on a page served from memory.
@lru_cache(maxsize=8192)
def _etag(validators: str) -> str:
    digest = salted_hmac("public.caching.etag", validators, algorithm="sha256")
    return f'"{digest.hexdigest()[:32]}"'


def internal_header(response: HttpResponse, header: str, value: str) -> None:
    """Where a page came from, for `make bench` and `make faults`: only when
    PAGE_CACHE_HEADERS asks. Otherwise anyone could tell whether a rare
    condition's page had been read lately (a hit) or not (a miss)."""
    if settings.PAGE_CACHE_HEADERS:
        response[header] = value


def _key(etag: str, path: str) -> str:
    # In the page namespace of answers/versions.py: erasure empties it
    # (answers.versions.forget_cached_pages).
    return f"{versions.KEY_PREFIX}:{etag}:{path}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_logged_in(request):
            response = self.get_response(request)
            # Personal pages: no browser history cache, no shared cache. They
            # may show posts for members only: never indexed either.
            patch_cache_control(response, private=True, no_store=True)
            response.headers.setdefault("X-Robots-Tag", "noindex")
            return response
        view_name, slug = _public_view(request)
        if view_name is None:
            return self.get_response(request)
        if slug is not None:
            request.page_condition_slug = slug  # for public/pages.py

        # The version as the shared cache last heard it: a page kept by this
        # process or in the shared cache costs no database query at all. A
        # condition's page without a hint learns it from the database below.
        scope = SITE_SCOPES.get(view_name, "site")
        if slug is None:
            version = PageVersion.of_site(known_version(), scope)
        else:
            version = versions.known_condition_version(slug)
        if version is not None:
            etag, last_modified = _validators(version)
            not_modified = get_conditional_response(
                request, etag=etag, last_modified=int(last_modified)
            )
            if not_modified is not None:
                return self._headers(not_modified, etag, last_modified)

        if view_name in NOT_STORED:
            return self._headers(self.get_response(request), etag, last_modified)
        # Hashed: a long query string must not make an over-long cache key.
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        cached = None
        if version is not None:
            cached, source = local_pages.get(_key(etag, path)), "memory"
            if cached is None and view_name not in STORED_IN_DATABASE:
                cached, source = cache.get(_key(etag, path)), "shared"
                if cached is not None:
                    local_pages.put(_key(etag, path), cached)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            # Where it came from: this process's memory or the shared cache
            # (Redis).
            internal_header(response, "X-Page-Cache", f"hit; {source}")
            return self._headers(response, etag, last_modified)

        # Not kept: the page is rendered, and kept under the version read
        # before it from the database it is rendered from (through the router:
        # a replica for anonymous readers when one is healthy, see
        # diseasemaps/lib/replicas.py). A standby replays whole transactions in
        # commit order and the version moves in the same transaction as the
        # content it covers, so the page is at least as new as the version it
        # is kept under, whatever the hint above said: a hint that is behind
        # can only find pages as old as itself, a lagging replica's page is
        # kept under its own older version. Answer and condition pages read
        # it with their stored copy (public/pages.py); other pages here.
        started = time.monotonic()
        if view_name in STORED_IN_DATABASE:
            response = self.get_response(request)
            rendered = getattr(request, "content_version", None)
        else:
            if slug is None:
                rendered = PageVersion.of_site(current_version(), scope)
            else:
                rendered = versions.condition_version(slug)
            response = self.get_response(request)
        if rendered is None:  # not found, or not rendered for anyone
            if version is None:
                return response
            return self._headers(response, etag, last_modified)
        if slug is not None:
            versions.remember_condition_version(slug, rendered)
        etag, last_modified = _validators(rendered)
        if version is None and response.status_code == 200:
            # No hint said which version the reader's copy had to match.
            not_modified = get_conditional_response(
                request, etag=etag, last_modified=int(last_modified)
            )
            if not_modified is not None:
                return self._headers(not_modified, etag, last_modified)
        key = _key(etag, path)
        if (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
        ):
            headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            if view_name not in STORED_IN_DATABASE:
                cache.set(key, (response.content, headers), PAGE_TTL)
            local_pages.put(key, (response.content, headers))
            internal_header(
                response,
                "X-Page-Cache",
                f"miss; {1000 * (time.monotonic() - started):.0f}ms",
            )
        return self._headers(response, etag, last_modified)

    @staticmethod
    def _headers(response: HttpResponse, etag: str, last_modified: float):
        if response.status_code in {200, 304}:
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
            patch_cache_control(response, public=True, no_cache=True)
        return response

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
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from answers.publication import current_version

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


def _public_view(request: HttpRequest) -> str | None:
    """The public view this request is for, if it may be cached at all."""
    if request.method not in {"GET", "HEAD"}:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in PUBLIC_VIEWS:
        return None
    # Only readers without a session or a pending flash message: anything in
    # either could make this response personal.
    if (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
    ):
        return None
    return match.view_name


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
        cached = cache.get(key)
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

"""Gzip for responses that hold no secret, and only for them (BREACH).

Compression makes a response's length depend on how well a secret in it (a
CSRF token, a member's own data) compresses together with text an attacker
can put in the same response (a search query, a reflected path): by watching
lengths, an attacker on the network can guess the secret a character at a
time. Django's GZipMiddleware pads its output by a random amount (Heal the
Breach), which makes that slower, not impossible. So here a response is
compressed only when it cannot hold a secret at all:

- a GET or HEAD by a reader with no session and no pending message cookie, who
  is not logged in: what such a reader gets is the same for every anonymous
  reader (the pages public/caching.py keeps);
- no CSRF token was put into it (Django marks the request when a template or
  view asks for the token: every page with a POST form does);
- it sets no cookie and is not marked private.

Everything else, every page of a logged-in member and every form, goes out
uncompressed. Static files are compressed ahead of time by WhiteNoise and never
reach this middleware.
"""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from diseasemaps.lib.visitors import is_logged_in

# GZipMiddleware leaves shorter bodies as they are.
MIN_LENGTH = 200


def carries_no_secret(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether `response` is the same for every anonymous reader."""
    if request.method not in {"GET", "HEAD"}:
        return False
    # A login during this request (a view calling login()) sets the session
    # cookie on the response: checked before anything about the user.
    if response.cookies:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    if CookieStorage.cookie_name in request.COOKIES:
        return False
    if is_logged_in(request):
        return False
    # Set by django.middleware.csrf.get_token() whenever a token is rendered.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    return "private" not in response.get("Cache-Control", "")


class SecretFreeGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for responses that carry no secret only."""

    def process_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        # Too short to be worth compressing (Django's own rule, asked first:
        # a constant response need not pay for the checks below).
        if not response.streaming and len(response.content) < MIN_LENGTH:
            return response
        if not carries_no_secret(request, response):
            return response
        # Django adds Vary only when it compresses; a shared cache must also
        # key the uncompressed copy by Accept-Encoding, or it may hand that
        # copy to every client (or, worse, the compressed one to a client
        # that cannot read it).
        patch_vary_headers(response, ("Accept-Encoding",))
        return super().process_response(request, response)

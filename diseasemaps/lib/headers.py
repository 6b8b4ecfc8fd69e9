"""Response headers Django does not send by itself, and the Content Security
Policy header built once rather than for every response."""

from collections.abc import Callable
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`{"camera": []}` → `camera=()`; `{"fullscreen": ["self"]}` → `(self)`."""
    return ", ".join(
        f"{feature}=({' '.join(allowed)})" for feature, allowed in features.items()
    )


# What a view or decorator can set to change one response's policy
# (csp.decorators set them on the response object); a response with none of
# them gets the site's policy.
_PER_RESPONSE = frozenset(
    {
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
    }
)


@cache
def _site_policy() -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """The site's policy and report-only policy headers, with the path
    prefixes each skips; settings do not change while a process runs."""

    def prefixes(name: str) -> tuple[str, ...]:
        policy = getattr(settings, name, None) or {}
        return tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())

    return (
        build_policy(),
        build_policy(report_only=True),
        prefixes("CONTENT_SECURITY_POLICY"),
        prefixes("CONTENT_SECURITY_POLICY_REPORT_ONLY"),
    )


@receiver(setting_changed)
def _forget_site_policy(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _site_policy.cache_clear()


class CSPMiddleware(LibraryCSPMiddleware):
    """django-csp's middleware, with the site's policy built once.

    The library builds the header from settings on every response (a third
    of the middleware stack's cost on a constant response, "Performance" in
    the README). A response that asks for a policy of its own (a csp_*
    decorator) or used a nonce still goes through the library."""

    def process_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        if getattr(request, "_csp_nonce", None) is not None or not (
            _PER_RESPONSE.isdisjoint(vars(response))
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # the debug pages, as the library leaves them
        policy, report_only, skip, skip_report_only = _site_policy()
        path = request.path_info
        if (
            policy
            and HEADER not in response
            and not getattr(response, "_csp_exempt", False)
            and not path.startswith(skip)
        ):
            response[HEADER] = policy
        if (
            report_only
            and HEADER_REPORT_ONLY not in response
            and not getattr(response, "_csp_exempt_ro", False)
            and not path.startswith(skip_report_only)
        ):
            response[HEADER_REPORT_ONLY] = report_only
        # As the library does: a nonce asked for after the header is written
        # could never reach it, so asking is an error. One object serves
        # every request: it never holds a value, it only raises.
        request.csp_nonce = _NONCE_AFTER_HEADER
        return response


_NONCE_AFTER_HEADER = CheckableLazyObject(CSPMiddleware._csp_nonce_post_response)


class PolicyHeadersMiddleware(CSPMiddleware):
    """The site's Content-Security-Policy (CSPMiddleware) and its
    Permissions-Policy, in one middleware: two layers for two constant
    headers were a tenth of the stack's cost on a constant page.

    The Permissions-Policy switches off browser features no DiseaseMaps page
    uses (settings.PERMISSIONS_POLICY), so injected or third-party code cannot
    ask a reader for their camera, location or payment details either."""

    # Synchronous only (the site runs under WSGI; Django adapts it under ASGI),
    # so a request takes the short way below, not MiddlewareMixin's.
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.permissions_policy = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.process_request(request)
        return self.process_response(request, self.get_response(request))

    def process_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        response = super().process_response(request, response)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response

"""The Content-Security-Policy header built once (diseasemaps/lib/headers.py)
is the header django-csp's own middleware sends, for every kind of response:
the site's policy, a view's own policy, a nonce, report-only, exemptions and
settings changed while the process runs."""

from csp.constants import NONCE, SELF
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from diseasemaps.lib.headers import CSPMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def plain(request):
    return HttpResponse("ok")


@csp_replace({"frame-ancestors": [SELF]})
def framed(request):
    return HttpResponse("ok")


@csp_update({"img-src": ["https://images.example"]})
def with_images(request):
    return HttpResponse("ok")


@csp_exempt()
def exempt(request):
    return HttpResponse("ok")


def with_nonce(request):
    return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")


class CSPHeaderTestCase(SimpleTestCase):
    def headers(self, middleware_class, view, path="/page/") -> dict:
        request = RequestFactory().get(path)
        response = middleware_class(view)(request)
        return {name: response.get(name) for name in HEADERS}

    def assert_same_as_library(self, view, path="/page/") -> dict:
        ours = self.headers(CSPMiddleware, view, path)
        self.assertEqual(ours, self.headers(LibraryCSPMiddleware, view, path))
        return ours

    def test_it_sends_the_sites_policy(self):
        headers = self.assert_same_as_library(plain)
        self.assertIn("frame-ancestors 'none'", headers[HEADERS[0]])
        self.assertIsNone(headers[HEADERS[1]])

    def test_a_view_with_a_policy_of_its_own_keeps_it(self):
        headers = self.assert_same_as_library(framed)
        self.assertIn("frame-ancestors 'self'", headers[HEADERS[0]])
        headers = self.assert_same_as_library(with_images)
        self.assertIn("https://images.example", headers[HEADERS[0]])

    def test_an_exempt_view_gets_no_policy(self):
        self.assertEqual(self.assert_same_as_library(exempt)[HEADERS[0]], None)

    def test_a_nonce_used_by_a_page_reaches_its_header(self):
        request = RequestFactory().get("/page/")
        with self.settings(
            CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}
        ):
            response = CSPMiddleware(with_nonce)(request)
        self.assertIn(f"'nonce-{request._csp_nonce}'", response[HEADERS[0]])

    def test_a_nonce_asked_for_after_the_header_is_an_error(self):
        request = RequestFactory().get("/page/")
        CSPMiddleware(plain)(request)
        with self.assertRaises(CSPNonceError):
            str(request.csp_nonce)

    def test_it_follows_settings_changed_while_the_process_runs(self):
        self.assert_same_as_library(plain)  # built and kept
        changed = {
            "DIRECTIVES": {"default-src": [SELF], "img-src": ["https://x.example"]},
            "EXCLUDE_URL_PREFIXES": ["/skipped/"],
        }
        report_only = {"DIRECTIVES": {"default-src": [SELF]}}
        with override_settings(
            CONTENT_SECURITY_POLICY=changed,
            CONTENT_SECURITY_POLICY_REPORT_ONLY=report_only,
        ):
            headers = self.assert_same_as_library(plain)
            self.assertIn("https://x.example", headers[HEADERS[0]])
            self.assertEqual(headers[HEADERS[1]], "default-src 'self'")
            skipped = self.assert_same_as_library(plain, "/skipped/page/")
            self.assertIsNone(skipped[HEADERS[0]])
        self.assertNotIn(
            "https://x.example", self.assert_same_as_library(plain)[HEADERS[0]]
        )

    @override_settings(DEBUG=True)
    def test_debug_error_pages_are_left_alone_as_the_library_does(self):
        def missing(request):
            return HttpResponse("debug page", status=404)

        self.assertEqual(self.assert_same_as_library(missing), dict.fromkeys(HEADERS))

"""The benchmark's constant-response view exists only in the bench's URLconf
(tools/bench/urls.py), never in production's."""

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

URL = "/bench/trivial/"


class BenchEndpointTestCase(TestCase):
    def test_it_is_a_plain_404_on_the_site(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"ok", response.content.split(b"\n")[0])

    def test_it_is_not_in_the_production_urlconf_at_all(self):
        from django.urls import NoReverseMatch, reverse

        with self.assertRaises(NoReverseMatch):
            reverse("bench_trivial")

    @override_settings(ROOT_URLCONF="tools.bench.urls")
    def test_it_answers_a_constant_through_the_middleware_without_queries(self):
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok\n")
        self.assertEqual(len(queries), 0)
        # The same middleware stack as every page: security headers and CSP.
        self.assertIn("Content-Security-Policy", response)
        self.assertEqual(response["X-Frame-Options"], "DENY")

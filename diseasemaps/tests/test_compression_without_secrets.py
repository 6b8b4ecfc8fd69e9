"""Pages go out gzipped to clients that accept it, but only pages that hold no
secret (BREACH, diseasemaps/lib/compression.py): a compressed response never
carries a CSRF token, a session or anything of a logged-in member's, and a
page with a form is sent as it is.

The tests walk the site with `Accept-Encoding: gzip`, anonymously and as a
member, and check every response they get.
"""

import gzip
import re

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from community.tests.helpers import share_published
from community.tests.test_member_pages_are_private import body, crawl
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    publish,
    report_figure,
)

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
TOKEN = re.compile(rb'name="csrfmiddlewaretoken"|csrf', re.IGNORECASE)


def compressed(response) -> bool:
    return response.get("Content-Encoding") == "gzip"


def varies_on_encoding(response) -> bool:
    words = {word.strip().lower() for word in response.get("Vary", "").split(",")}
    return "accept-encoding" in words


class CompressionWithoutSecretsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(self.writer, condition, slug="is-it-contagious")
        publish(question, writer=self.writer, reviewer=self.reviewer)
        share_published(self.member, condition, question, moderator=self.moderator)
        self.feedback = reverse(
            "public:feedback", args=["poems-syndrome", "is-it-contagious"]
        )
        self.start = [
            "/",
            self.feedback,
            "/accounts/login/",
            "/accounts/signup/",
            "/search/?q=poems",
            "/no-such-page/",
        ]

    def test_anonymous_public_pages_are_compressed_and_hold_no_token(self):
        pages = crawl(Client(**GZIP), self.start)
        squeezed = {url: r for url, r in pages.items() if compressed(r)}
        for url, response in squeezed.items():
            self.assertNotRegex(gzip.decompress(response.content), TOKEN, url)
            self.assertEqual(response.cookies, {}, url)
            self.assertNotIn("Set-Cookie", response, url)
            self.assertTrue(varies_on_encoding(response), url)
        # Every page a reader can read is among them; forms are not.
        for url in [
            "/",
            "/conditions/",
            "/conditions/poems-syndrome/",
            "/conditions/poems-syndrome/is-it-contagious/",
            "/conditions/poems-syndrome/experiences/",
            "/reviewers/rita/",
            "/about/editorial-policy/",
            "/about/corrections/",
            "/search/?q=poems",
        ]:
            self.assertIn(url, squeezed)
        html = [r for r in pages.values() if "text/html" in r.get("Content-Type", "")]
        with_token = [url for url, r in pages.items() if TOKEN.search(body(r))]
        self.assertGreaterEqual(len(with_token), 3)
        report_figure(
            "gzip",
            f"{len(squeezed)} of {len(html)} anonymous HTML responses compressed, "
            f"none with a CSRF token or cookie; {len(with_token)} with a token sent "
            "as they are",
        )

    def test_a_page_with_a_form_is_not_compressed(self):
        client = Client(**GZIP)
        for url in [self.feedback, "/accounts/login/", "/accounts/signup/"]:
            response = client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertIn(b'name="csrfmiddlewaretoken"', response.content, url)
            self.assertFalse(compressed(response), url)

    def test_nothing_a_member_gets_is_compressed(self):
        client = Client(**GZIP)
        client.force_login(self.member)
        pages = crawl(client, [reverse("community:me"), *self.start])
        self.assertGreaterEqual(len(pages), 20)
        squeezed = sorted(url for url, r in pages.items() if compressed(r))
        self.assertEqual(squeezed, [])
        # The walk saw the member's own pages, which name them.
        self.assertIn(b"SunnyMina", body(pages[reverse("community:me")]))

    def test_a_session_cookie_alone_turns_compression_off(self):
        # A reader who had a session (a pending message, a half-done sign-up)
        # may get something personal even on a public page.
        client = Client(**GZIP)
        client.cookies["sessionid"] = "anything"
        response = client.get("/conditions/poems-syndrome/is-it-contagious/")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(compressed(response))

    def test_an_uncompressed_copy_still_varies_on_encoding(self):
        # Otherwise a shared cache could hand the plain copy to every client.
        response = Client().get("/conditions/poems-syndrome/is-it-contagious/")
        self.assertFalse(compressed(response))
        self.assertTrue(varies_on_encoding(response))
        squeezed = Client(**GZIP).get("/conditions/poems-syndrome/is-it-contagious/")
        self.assertTrue(compressed(squeezed))
        self.assertEqual(gzip.decompress(squeezed.content), response.content)

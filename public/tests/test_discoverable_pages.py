"""What search engines and link previews read on every public page type: a
canonical link to the plain address on SITE_URL, complete Open Graph and
Twitter tags with a share image, feeds advertised, and the sitemap, robots.txt
and the pages' own robots meta telling the same story."""

import struct
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

from devdata.personas import report_figure
from public.tests.crawl import PublicSiteTestCase

OPEN_GRAPH = [
    "og:title",
    "og:description",
    "og:url",
    "og:type",
    "og:site_name",
    "og:image",
    "og:image:width",
    "og:image:height",
    "og:image:alt",
    "twitter:card",
]


class DiscoverablePagesTestCase(PublicSiteTestCase):
    def pages(self):
        # One crawl per class: the tests below only read it.
        if "_pages" not in type(self).__dict__:
            type(self)._pages = self.crawl()
        return type(self)._pages

    def indexable(self):
        return {path: page for path, page in self.pages().items() if not page.noindex}

    def test_every_page_type_answers(self):
        for path, page in self.pages().items():
            with self.subTest(path):
                self.assertEqual(page.status, 200)

    def test_these_pages_and_only_these_say_noindex(self):
        noindex = sorted(path for path, page in self.pages().items() if page.noindex)
        self.assertEqual(
            noindex,
            sorted(
                [
                    f"{self.answer.get_absolute_url()}feedback/",
                    # Reviewed nothing that is on the site.
                    self.idle.get_absolute_url(),
                    # Nobody has shared here, or about this question.
                    f"{self.quiet.get_absolute_url()}experiences/",
                    f"{self.poems.get_absolute_url()}experiences/"
                    "?question=how-is-it-treated",
                    "/search/",
                    "/search/?q=poems",
                ]
            ),
        )
        report_figure(
            "discoverable pages",
            f"{len(self.indexable())} indexable, {len(noindex)} noindex",
        )

    def test_every_indexable_page_names_its_plain_address_as_canonical(self):
        for path, page in self.indexable().items():
            with self.subTest(path):
                plain = path.split("?", 1)[0]
                self.assertEqual(page.canonical, settings.SITE_URL + plain)

    def test_noindex_pages_name_no_canonical_and_no_open_graph(self):
        for path, page in self.pages().items():
            if page.noindex:
                with self.subTest(path):
                    self.assertIsNone(page.canonical)
                    self.assertEqual(page.meta("og:url"), [])

    def test_every_indexable_page_has_complete_open_graph_and_twitter_tags(self):
        for path, page in self.indexable().items():
            with self.subTest(path):
                for key in OPEN_GRAPH:
                    values = page.meta(key)
                    self.assertEqual(len(values), 1, key)
                    self.assertTrue(values[0].strip(), key)
                self.assertEqual(page.meta("og:url"), [page.canonical])
                self.assertEqual(page.meta("og:site_name"), ["DiseaseMaps"])
                self.assertIn(
                    page.meta("og:type")[0], {"website", "article", "profile"}
                )
                self.assertTrue(page.meta("og:image")[0].startswith(settings.SITE_URL))
                self.assertEqual(page.meta("twitter:card"), ["summary_large_image"])
        answer = self.pages()[self.answer.get_absolute_url()]
        self.assertEqual(answer.meta("og:type"), ["article"])
        self.assertEqual(answer.meta("og:title"), [answer.soup.h1.get_text()])
        condition = self.pages()[self.poems.get_absolute_url()]
        self.assertIn("POEMS syndrome", condition.meta("og:description")[0])

    def test_the_share_image_is_a_png_of_the_size_the_tags_give(self):
        for page in self.indexable().values():
            url = page.meta("og:image")[0]
            width, height = page.meta("og:image:width"), page.meta("og:image:height")
            path = url.removeprefix(settings.SITE_URL + settings.STATIC_URL)
            data = Path(finders.find(path)).read_bytes()[:24]
            self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
            self.assertEqual(
                struct.unpack(">II", data[16:24]), (int(width[0]), int(height[0]))
            )
        self.assertEqual((width, height), (["1200"], ["630"]))

    def test_the_sitemap_lists_exactly_the_indexable_pages(self):
        listed = self.sitemap()
        self.assertEqual(len(listed), len(set(listed)))
        canonical = {page.canonical for page in self.indexable().values()}
        self.assertEqual(sorted(listed), sorted(canonical))
        for url in listed:
            self.assertTrue(url.startswith(settings.SITE_URL + "/"), url)

    def test_robots_txt_blocks_no_page_that_says_noindex_nor_any_listed(self):
        lines = self.client.get("/robots.txt").content.decode().splitlines()
        blocked = [
            line.split(":", 1)[1].strip()
            for line in lines
            if line.startswith("Disallow:")
        ]
        self.assertIn(f"Sitemap: {settings.SITE_URL}/sitemap.xml", lines)
        for path in self.pages():
            with self.subTest(path):
                self.assertFalse([b for b in blocked if b and path.startswith(b)])

    def test_pages_advertise_their_feeds(self):
        for path, page in self.pages().items():
            with self.subTest(path):
                feeds = page.soup.find_all("link", rel="alternate")
                self.assertTrue(feeds)
                for link in feeds:
                    self.assertEqual(link["type"], "application/atom+xml")
                    self.assertTrue(link.get("title"))
                    response = self.client.get(link["href"])
                    self.assertEqual(response.status_code, 200)
                    self.assertTrue(
                        response["Content-Type"].startswith("application/atom+xml")
                    )
        corrections = self.pages()["/about/corrections/"].soup
        hrefs = [link["href"] for link in corrections.find_all("link", rel="alternate")]
        self.assertEqual(hrefs, ["/feeds/answers/", "/feeds/corrections/"])

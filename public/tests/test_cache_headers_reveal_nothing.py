"""What a reader learns from cache headers: nothing about other readers or
about how often the site changes (issue 15, finding 6).

`X-Page-Cache` ("hit"/"miss") and `X-Stored-Page` told anyone whether a rare
condition's page had been read recently; an ETag of `"<version>-<release>-
<date>"` counted every change the site ever had. The internal headers now
appear only when PAGE_CACHE_HEADERS asks for them (for `make bench` and `make
faults`), and the ETag is a keyed hash of the same validators.
"""

from django.core.cache import cache
from django.test import override_settings

from answers.models import PublicVersion
from answers.publication import public_content_changed
from devdata.personas import PersonasTestCase, draft, make_condition, publish
from public.caching import local_pages

INTERNAL = ("X-Page-Cache", "X-Stored-Page")


class CacheHeadersTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        PublicVersion.objects.get_or_create(pk=1)
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.pages = [
            self.question.get_absolute_url(),
            self.condition.get_absolute_url(),
            "/about/editorial-policy/",
            "/",
        ]

    def test_no_reader_learns_whether_a_page_was_read_recently(self):
        for url in self.pages:
            with self.subTest(url=url):
                first, again = self.client.get(url), self.client.get(url)
                for response in (first, again):
                    self.assertEqual(response.status_code, 200)
                    for header in INTERNAL:
                        self.assertNotIn(header, response)

    def test_the_etag_counts_nothing(self):
        version = PublicVersion.objects.get(pk=1).version
        url = self.pages[2]
        before = self.client.get(url)["ETag"]
        public_content_changed()
        after = self.client.get(url)["ETag"]

        self.assertNotEqual(before, after)  # validators still work
        for etag in (before, after):
            fields = etag.strip('"').split("-")
            self.assertNotIn(str(version), fields)
            self.assertNotIn(str(version + 1), fields)
            self.assertRegex(etag, r'^"[0-9a-f]{20,}"$')
        self.assertEqual(
            self.client.get(url, HTTP_IF_NONE_MATCH=after).status_code, 304
        )

    @override_settings(PAGE_CACHE_HEADERS=True)
    def test_the_setting_brings_them_back_for_bench_and_faults(self):
        local_pages._pages.clear()
        url = self.pages[0]
        self.assertEqual(self.client.get(url)["X-Stored-Page"], "miss")
        local_pages._pages.clear()  # as in another process
        self.assertEqual(self.client.get(url)["X-Stored-Page"], "hit")
        self.client.get(self.pages[2])
        self.assertEqual(self.client.get(self.pages[2])["X-Page-Cache"], "hit; memory")

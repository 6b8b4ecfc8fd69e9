"""The members-only canary (issue 18): a post shared with members only never
reaches anyone who is not a logged-in member, nor anything kept for them.

A member with a unique pseudonym writes posts with a unique word in them, for
members only: on an answer of a condition others shared about in public, and
on a condition where nothing is public. Then every public page type (the
crawl of public/tests/crawl.py, with the sitemap, the feeds, robots.txt and a
search for the word) is read anonymously twice, so the second reading comes
from the stored pages and the page cache; the word and the pseudonym must be
in none of those responses, in no stored page row, in no page of the shared
cache or of this process's cache, in no search hit and in no content export.
Logged-in members do read them, on pages that nothing keeps for others.
"""

import io
import tempfile
import uuid
from pathlib import Path

from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from answers.models import StoredPage
from answers.versions import cached_page_keys
from community import services
from community.tests.helpers import share_published
from devdata.personas import make_member, report_figure
from public.caching import local_pages
from public.search import search
from public.tests.crawl import PublicSiteTestCase

TOKEN = uuid.uuid4().hex[:12]
CANARY = f"membersonlycanary{TOKEN}"
PSEUDONYM = f"Hush{TOKEN}"
STORY = "The nerve pain is worst at night, and only warm water helps me sleep."


def shared_cache_pages() -> bytes:
    """The raw bytes of every page in the shared page cache."""
    backend = caches["default"]._cache
    keys = cached_page_keys()
    if hasattr(backend, "get_client"):  # Redis
        client = backend.get_client(write=False)
        return b"".join(client.get(key) or b"" for key in keys)
    return b"".join(backend[key] for key in keys if key in backend)


def local_cache_pages() -> bytes:
    with local_pages._lock:
        return b"".join(content for content, _ in local_pages._pages.values())


@override_settings(PAGE_CACHE_HEADERS=True)
class MembersOnlyCanaryTestCase(PublicSiteTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.hush = make_member("hush", pseudonym=PSEUDONYM)
        cls.secret = share_published(
            cls.hush,
            cls.poems,
            cls.answer,
            moderator=cls.moderator,
            body=f"{STORY} {CANARY}",
            audience="members",
        )
        share_published(
            cls.hush,
            cls.quiet,
            moderator=cls.moderator,
            body=f"{STORY} {CANARY} again",
            audience="members",
        )

    def setUp(self) -> None:
        cache.clear()
        with local_pages._lock:
            local_pages._pages.clear()
            local_pages.size = 0

    def anonymous_paths(self) -> list[str]:
        return [
            *self.page_types(),
            # The page says what was searched for: parts of the secrets, so
            # that only a hit could show them whole.
            "/search/?q=membersonlycanary",
            f"/search/?q={PSEUDONYM[:4]}",
            "/search/?q=warm+water+sleep",
            "/sitemap.xml",
            "/feeds/answers/",
            "/feeds/corrections/",
            "/robots.txt",
            f"{self.quiet.get_absolute_url()}experiences/?question=what-is-it",
            f"{self.quiet.get_absolute_url()}what-is-it/",
            self.quiet.get_absolute_url(),
        ]

    def assert_absent(self, text: str, place: str) -> None:
        self.assertNotIn(CANARY, text, f"members-only text in {place}")
        self.assertNotIn(PSEUDONYM, text, f"members-only author in {place}")

    def test_it_never_reaches_an_anonymous_response_or_anything_kept(self):
        paths = list(dict.fromkeys(self.anonymous_paths()))
        paths += [
            path
            for path in self.crawl()
            if path not in paths  # every sitemap address too
        ]
        kept = 0
        for reading in ("first", "again"):
            for path in paths:
                response = self.client.get(path)
                self.assertIn(response.status_code, {200, 301, 302, 404}, path)
                self.assert_absent(response.content.decode(), f"{reading} {path}")
                if "hit" in response.get("X-Page-Cache", "") + response.get(
                    "X-Stored-Page", ""
                ):
                    kept += 1
        # The second reading came from what was kept, so this proves something.
        self.assertGreater(kept, 10)
        stored = StoredPage.objects.values_list("path", "html")
        self.assertTrue(stored)
        for path, html in stored:
            self.assert_absent(html, f"stored page {path}")
        self.assertTrue(cached_page_keys())
        self.assert_absent(
            shared_cache_pages().decode(errors="replace"), "the shared page cache"
        )
        self.assert_absent(
            local_cache_pages().decode(errors="replace"), "this process's cache"
        )
        self.assertEqual(search(CANARY).hits, [])
        self.assertEqual(search(PSEUDONYM).hits, [])
        with tempfile.TemporaryDirectory() as folder:
            call_command("export_content", folder, stdout=io.StringIO())
            exported = "".join(
                path.read_text(errors="replace")
                for path in Path(folder).rglob("*")
                if path.is_file()
            )
        self.assertTrue(exported)
        self.assert_absent(exported, "the content export")
        report_figure(
            "members-only canary",
            f"absent from {len(paths)} anonymous addresses read twice ({kept} "
            f"served from kept copies), {len(stored)} stored pages, the shared "
            "and local page caches, search and the content export",
        )

    def test_the_authors_own_export_has_it(self):
        exported = services.export_member_data(user=self.hush)
        posts = {p["text"]: p["audience"] for p in exported["experiences"]}
        self.assertEqual(posts[f"{STORY} {CANARY}"], "Members only")

    def test_members_read_it_on_pages_kept_for_nobody(self):
        self.client.force_login(self.other_member)
        experiences = f"{self.poems.get_absolute_url()}experiences/"
        for url in (
            self.poems.get_absolute_url(),
            self.answer.get_absolute_url(),
            experiences,
            f"{experiences}?question=is-it-contagious",
            f"{self.quiet.get_absolute_url()}experiences/",
        ):
            response = self.client.get(url)
            self.assertContains(response, CANARY, msg_prefix=url)
            self.assertContains(response, PSEUDONYM, msg_prefix=url)
            self.assertContains(response, "Members only", msg_prefix=url)
            self.assertIn("private", response["Cache-Control"], url)
            self.assertIn("no-store", response["Cache-Control"], url)
            self.assertIn("noindex", response["X-Robots-Tag"], url)
            self.assertNotIn("ETag", response, url)
        # Nothing the member got was kept, for anyone.
        for _, html in StoredPage.objects.values_list("path", "html"):
            self.assert_absent(html, "a stored page")
        self.assertEqual(cached_page_keys(), [])
        self.assert_absent(local_cache_pages().decode(errors="replace"), "memory")
        # And the next anonymous reader of the same pages gets none of it.
        self.client.logout()
        for url in (self.poems.get_absolute_url(), experiences):
            response = self.client.get(url)
            self.assert_absent(response.content.decode(), url)
            # A CDN keeps the anonymous copy apart from members' pages.
            self.assertIn("Cookie", response["Vary"], url)

    def test_a_member_can_report_it_and_an_anonymous_reader_cannot_open_it(self):
        url = reverse("community:report", args=[self.secret.pk])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])
        self.client.force_login(self.other_member)
        self.assertEqual(self.client.get(url).status_code, 200)

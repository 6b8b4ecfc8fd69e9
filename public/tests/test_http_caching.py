"""Anonymous pages: validators, 304s, the server-side page cache and its
invalidation on every kind of change; logged-in pages are never cached."""

import logging
import os
from datetime import timedelta
from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from answers import services, versions
from answers.models import Condition, PublicVersion
from answers.publication import public_content_changed
from community import services as community_services
from community.tests.helpers import share
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    edit,
    edit_condition_in_admin,
    make_condition,
    publish,
)
from diseasemaps.lib.env import cache_from_env
from public.caching import LOCAL_BYTES, LocalPages, etag_for

# The settings REDIS_URL would produce, pointed at a closed port.
with mock.patch.dict(os.environ, {"REDIS_URL": "redis://127.0.0.1:1/0"}):
    DOWN_REDIS = {"default": cache_from_env("REDIS_URL")}


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class HttpCachingTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        PublicVersion.objects.get_or_create(pk=1)
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        self.revision = publish(
            self.question, writer=self.writer, reviewer=self.reviewer
        )
        self.url = self.question.get_absolute_url()

    def test_public_pages_carry_validators_for_shared_caches(self):
        for url in [
            self.url,
            "/",
            "/conditions/",
            self.condition.get_absolute_url(),
            "/reviewers/rita/",
            "/about/editorial-policy/",
            "/sitemap.xml",
            "/robots.txt",
            "/feeds/answers/",
            reverse("community:experiences", args=["poems-syndrome"]),
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Cache-Control"], "public, no-cache")
                self.assertTrue(response["ETag"].startswith('"'))
                self.assertIn("GMT", response["Last-Modified"])

    def test_conditional_requests_get_304(self):
        first = self.client.get(self.url)
        by_etag = self.client.get(self.url, HTTP_IF_NONE_MATCH=first["ETag"])
        by_date = self.client.get(
            self.url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
        )
        self.assertEqual(by_etag.status_code, 304)
        self.assertEqual(by_date.status_code, 304)
        self.assertEqual(by_etag.content, b"")
        self.assertEqual(by_etag["ETag"], first["ETag"])

    def test_the_second_request_is_served_from_the_page_cache(self):
        self.assertTrue(self.client.get(self.url)["X-Page-Cache"].startswith("miss"))
        with CaptureQueriesContext(connection) as queries:
            second = self.client.get(self.url)
        self.assertEqual(second["X-Page-Cache"], "hit; memory")
        # None: the content version comes from the cache too (a hint, see
        # public/caching.py).
        self.assertEqual(len(queries), 0)
        self.assertContains(second, self.revision.short_answer)
        # Security headers are added to cached pages too.
        self.assertIn("default-src 'self'", second["Content-Security-Policy"])

    def test_a_page_another_process_rendered_comes_from_the_shared_cache(self):
        home = reverse("public:home")
        self.assertTrue(self.client.get(home)["X-Page-Cache"].startswith("miss"))
        # Another process: the page is not in its memory, only in the cache.
        with mock.patch("public.caching.local_pages", LocalPages(LOCAL_BYTES)):
            from_cache = self.client.get(home)
        self.assertEqual(from_cache["X-Page-Cache"], "hit; shared")
        self.assertEqual(self.client.get(home)["X-Page-Cache"], "hit; memory")

    def assert_next_request_shows(self, url: str, text: str, change) -> None:
        before = self.client.get(url)
        self.assertNotContains(before, text)
        self.client.get(url)  # now cached
        change()
        after = self.client.get(url)
        self.assertNotEqual(after["ETag"], before["ETag"])
        self.assertEqual(
            self.client.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code, 200
        )
        self.assertContains(after, text)

    def test_an_approval_shows_on_the_next_request(self):
        def approve():
            edit(self.question, self.writer, short_answer="A newly approved wording.")
            publish(self.question, writer=self.writer, reviewer=self.second_reviewer)

        self.assert_next_request_shows(self.url, "A newly approved wording.", approve)

    def test_a_recertification_shows_on_the_next_request(self):
        old = timezone.now() - timedelta(days=400)
        question = draft(self.writer, self.condition, slug="old", at=old)
        publish(question, writer=self.writer, reviewer=self.reviewer, at=old)
        url = question.get_absolute_url()
        self.assertContains(self.client.get(url), "Review overdue")
        self.client.get(url)
        services.recertify(item=question, user=self.second_reviewer, coi_confirmed=True)
        response = self.client.get(url)
        self.assertNotContains(response, "Review overdue")
        self.assertContains(response, "Dr Sam Lindqvist")

    def test_unpublishing_shows_on_the_next_request(self):
        condition_url = self.condition.get_absolute_url()
        other = draft(self.writer, self.condition, text="Still here?", slug="other")
        publish(other, writer=self.writer, reviewer=self.reviewer)
        self.assertContains(self.client.get(condition_url), self.question.text)
        self.client.get(condition_url)
        services.unpublish(item=self.question, user=self.reviewer, reason="Error")
        self.assertNotContains(self.client.get(condition_url), self.question.text)
        self.assertEqual(self.client.get(self.url).status_code, 410)

    def test_a_published_experience_shows_on_the_next_request(self):
        experience = share(self.member, self.condition, self.question)

        def approve():
            community_services.approve_experience(
                user=self.moderator, experience=experience
            )

        self.assert_next_request_shows(
            self.url, "1 person with POEMS syndrome", approve
        )

    def test_a_hidden_experience_disappears_on_the_next_request(self):
        experience = share(self.member, self.condition, self.question)
        community_services.approve_experience(
            user=self.moderator, experience=experience
        )
        list_url = reverse("community:experiences", args=["poems-syndrome"])
        self.assertContains(self.client.get(list_url), "I was diagnosed")
        self.client.get(list_url)
        community_services.hide_experience(
            user=self.moderator, experience=experience, reason="Check"
        )
        self.assertNotContains(self.client.get(list_url), "I was diagnosed")

    def test_an_approved_condition_edit_shows_on_the_next_request(self):
        def rename():
            edit_condition_in_admin(
                self.client,
                self.writer,
                self.condition,
                name="POEMS syndrome (Crow–Fukase)",
            )
            # A draft: readers still get the page they had (304 or the old name).
            response = self.client.get(self.url)
            self.assertNotContains(response, "POEMS syndrome (Crow–Fukase)")
            approve_facts(self.condition, reviewer=self.reviewer)

        self.assert_next_request_shows(self.url, "POEMS syndrome (Crow–Fukase)", rename)

    def test_tomorrow_is_a_new_page_even_without_edits(self):
        etag = self.client.get(self.url)["ETag"]
        tomorrow = timezone.localdate() + timedelta(days=1)
        with mock.patch("public.caching.timezone.localdate", return_value=tomorrow):
            response = self.client.get(self.url, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(response.status_code, 200)

    def test_logged_in_pages_are_private_and_never_from_the_cache(self):
        share(self.member, self.condition, self.question, body="MY PENDING POST " * 3)
        list_url = reverse("community:experiences", args=["poems-syndrome"])
        self.client.get(list_url)
        self.client.get(list_url)  # cached for anonymous readers

        self.client.force_login(self.member)
        for url in [list_url, self.url, reverse("community:me"), "/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertIn("private", response["Cache-Control"])
                self.assertIn("no-store", response["Cache-Control"])
                self.assertNotIn("ETag", response)
                self.assertNotIn("X-Page-Cache", response)
        self.assertContains(self.client.get(list_url), "MY PENDING POST")

    def test_search_pages_get_validators_but_are_not_stored(self):
        url = "/search/?q=" + "x" * 3000
        first = self.client.get(url)
        self.assertEqual(first.status_code, 200)
        self.assertNotIn("X-Page-Cache", first)
        self.assertNotIn("X-Page-Cache", self.client.get(url))
        self.assertEqual(
            self.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code, 304
        )

    def test_forms_and_actions_are_not_cached(self):
        response = self.client.get(reverse("account_login"))
        self.assertNotIn("X-Page-Cache", response)
        self.assertNotEqual(response.get("Cache-Control"), "public, no-cache")

    def test_the_version_moves_inside_the_changing_transaction(self):
        before = PublicVersion.objects.get(pk=1).version
        public_content_changed(conditions=[self.condition])
        self.assertEqual(PublicVersion.objects.get(pk=1).version, before + 1)
        PublicVersion.objects.all().delete()  # as after a flush
        public_content_changed()
        self.assertTrue(PublicVersion.objects.filter(pk=1).exists())

    @override_settings(CACHES=DOWN_REDIS)
    def test_pages_are_served_with_redis_down_and_it_is_logged_once(self):
        from diseasemaps.lib.cache import ResilientRedisCache

        with (
            mock.patch.object(ResilientRedisCache, "_last_logged", 0.0),
            mock.patch("diseasemaps.lib.cache._now", return_value=10_000.0),
            self.assertLogs("diseasemaps.lib.cache", level=logging.WARNING) as logs,
        ):
            for url in [self.url, self.url, "/", self.condition.get_absolute_url()]:
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "POEMS syndrome")
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(Condition.objects.count(), 1)


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class VersionHintTestCase(PersonasTestCase):
    """The content version comes from a hint in the cache (public/caching.py):
    a page served from memory costs no query, another process's change shows
    within LOCAL_HINT_SECONDS, and a hint that is wrong never makes a page
    look newer than it is."""

    def setUp(self) -> None:
        self.clock = 1_000.0
        patcher = mock.patch("answers.versions._now", side_effect=lambda: self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        cache.clear()
        PublicVersion.objects.get_or_create(pk=1)
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.url = reverse("public:editorial_policy")

    def another_process_changes_content(self) -> int:
        """A change made elsewhere: in the database and announced in the shared
        cache, but not to this process's memory."""
        version = PublicVersion.objects.get(pk=1)
        PublicVersion.objects.filter(pk=1).update(version=version.version + 1)
        cache.set(
            versions._version_key(),
            (version.version + 1, version.changed_at.timestamp()),
            versions.VERSION_TTL,
        )
        return version.version + 1

    def etag_version(self, response) -> int:
        """The content version behind a page's ETag (a keyed hash of it)."""
        return next(v for v in range(1000) if etag_for(v) == response["ETag"])

    def test_a_page_kept_in_memory_costs_no_query(self):
        self.client.get(self.url)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url)
        self.assertEqual(response["X-Page-Cache"], "hit; memory")
        self.assertEqual(len(queries), 0)

    def test_another_processs_change_shows_within_the_local_hint_time(self):
        before = self.etag_version(self.client.get(self.url))
        changed = self.another_process_changes_content()
        self.assertEqual(self.etag_version(self.client.get(self.url)), before)
        self.clock += versions.LOCAL_HINT_SECONDS
        response = self.client.get(self.url)
        self.assertEqual(self.etag_version(response), changed)
        self.assertTrue(response["X-Page-Cache"].startswith("miss"))

    def test_without_a_hint_the_version_comes_from_the_database(self):
        self.client.get(self.url)
        changed = self.another_process_changes_content()
        cache.delete(versions._version_key())  # expired, or Redis emptied
        self.clock += versions.LOCAL_HINT_SECONDS
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.url)
        self.assertEqual(self.etag_version(response), changed)
        self.assertEqual(
            [q["sql"] for q in queries][:1],
            [
                "SELECT version, changed_at, pages_since, listings, sitemap "
                'FROM "answers_publicversion" WHERE id = 1'
            ],
        )
        # And it is the hint again, for everyone.
        self.assertEqual(cache.get(versions._version_key())[0], changed)

    def test_a_hint_ahead_of_the_database_keeps_pages_under_their_own_version(self):
        # A change announced, then rolled back: the hints name versions no
        # database has. The page is rendered and kept under the real one.
        real = PublicVersion.objects.get(pk=1).version
        cache.set(versions._version_key(), (real + 5, 0.0), versions.VERSION_TTL)
        self.clock += versions.LOCAL_HINT_SECONDS
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.etag_version(response), real)
        self.assertTrue(response["X-Page-Cache"].startswith("miss"))
        # A condition's page: its own hint ahead.
        answer = self.question.get_absolute_url()
        stamp = versions.condition_version("poems-syndrome")
        self.assertEqual(stamp.scope, f"c{self.condition.pk}")
        cache.set(
            versions._condition_key(stamp.since, "poems-syndrome"),
            (stamp.scope, stamp.number + 5, 0.0),
            versions.VERSION_TTL,
        )
        response = self.client.get(answer)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["ETag"], etag_for(stamp.number, scope=stamp.scope))
        self.assertTrue(response["X-Page-Cache"].startswith("miss"))
        # Once the hints are right again, those pages are found.
        self.clock += versions.VERSION_TTL
        cache.clear()
        self.assertEqual(self.client.get(self.url)["X-Page-Cache"], "hit; memory")
        # A stored page without its hint is read with it from the database.
        self.assertEqual(self.client.get(answer)["X-Stored-Page"], "hit")
        self.assertEqual(self.client.get(answer)["X-Page-Cache"], "hit; memory")

    def test_the_redis_client_is_built_once_per_connection_pool(self):
        from diseasemaps.lib.cache import ResilientRedisCache

        backend = ResilientRedisCache("redis://127.0.0.1:1/0", {})
        self.assertIs(backend._cache.get_client(), backend._cache.get_client())

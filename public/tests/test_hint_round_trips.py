"""What a page kept in a process's memory costs in round trips to the shared
cache, with and without changes to other conditions (answers/versions.py,
"the change log"): a change to condition B costs A's and C's pages nothing
more; a change to A makes A's page ask for its hint again and show it."""

from contextlib import contextmanager
from unittest import mock

from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from answers import versions
from answers.models import PublicVersion
from answers.publication import community_content_changed
from devdata.personas import PersonasTestCase, draft, make_condition, publish


class CountingCache:
    """The cache, counting the calls that reach it (each one round trip)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name):
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return counted


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class HintRoundTripsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.clock = 1_000.0
        patcher = mock.patch("answers.versions._now", side_effect=lambda: self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)
        cache.clear()
        PublicVersion.objects.get_or_create(pk=1)
        self.urls = {}
        self.conditions = {}
        for name, slug in [
            ("POEMS syndrome", "poems-syndrome"),
            ("Castleman disease", "castleman-disease"),
            ("Erdheim–Chester disease", "erdheim-chester-disease"),
        ]:
            condition = make_condition(name=name, slug=slug)
            question = draft(self.writer, condition, slug="is-it-contagious")
            # Committed: announced again after the commit, as on a site.
            with self.captureOnCommitCallbacks(execute=True):
                publish(question, writer=self.writer, reviewer=self.reviewer)
            self.conditions[slug] = condition
            self.urls[slug] = question.get_absolute_url()
        self.read = [self.urls["poems-syndrome"], self.urls["erdheim-chester-disease"]]
        for url in self.read:  # kept in this process's memory, hints too
            self.client.get(url)
            self.assertEqual(self.client.get(url)["X-Page-Cache"], "hit; memory")

    def elsewhere(self, slug: str) -> None:
        """A post on this condition, made by another process: announced in
        the shared cache, not to this process's memory."""
        kept = (
            versions._local_hint,
            versions._conditions_base,
            dict(versions._local_conditions),
        )
        with self.captureOnCommitCallbacks(execute=True), transaction.atomic():
            community_content_changed(conditions=[self.conditions[slug].pk])
        (
            versions._local_hint,
            versions._conditions_base,
            versions._local_conditions,
        ) = kept

    @contextmanager
    def counting(self):
        counter = CountingCache(cache)
        with (
            mock.patch("answers.versions.cache", counter),
            mock.patch("public.caching.cache", counter),
        ):
            yield counter.calls

    def round_trips(self, changes: int = 0, slug: str = "castleman-disease"):
        """The page pairs read after the counter's hint expired, `changes`
        changes to `slug` made elsewhere before: the shared cache's calls."""
        for _ in range(changes):
            self.elsewhere(slug)
        self.clock += versions.LOCAL_HINT_SECONDS
        with self.counting() as calls:
            for url in self.read:
                self.assertEqual(self.client.get(url)["X-Page-Cache"], "hit; memory")
        return calls

    def test_changes_to_another_condition_cost_no_round_trip(self):
        quiet = self.round_trips()
        self.assertEqual(quiet, ["get_many"])  # the counter, with the log
        for changes in (1, 3, versions.LOG_AHEAD + 2):
            with self.subTest(changes=changes):
                calls = self.round_trips(changes)
                # A gap longer than the log read with the counter costs one
                # more, once, for every page of this process.
                extra = 1 if changes >= versions.LOG_AHEAD else 0
                self.assertEqual(len(calls), len(quiet) + extra, calls)

    def test_a_change_to_the_condition_asks_for_its_hint_again(self):
        self.round_trips()
        self.clock += versions.LOCAL_HINT_SECONDS
        self.elsewhere("poems-syndrome")
        with self.counting() as calls:
            response = self.client.get(self.urls["poems-syndrome"])
        self.assertTrue(response["X-Page-Cache"].startswith("miss"))
        # The counter with the log, then this condition's hint.
        self.assertEqual(calls[:2], ["get_many", "get"])
        with self.counting() as calls:
            response = self.client.get(self.urls["erdheim-chester-disease"])
        self.assertEqual(response["X-Page-Cache"], "hit; memory")
        self.assertEqual(calls, [])

    def test_a_lost_log_entry_makes_every_hint_be_asked_again(self):
        self.round_trips()
        self.elsewhere("castleman-disease")
        number = PublicVersion.objects.get(pk=1).version
        cache.delete(versions._changed_key(number))  # expired, or Redis emptied
        self.clock += versions.LOCAL_HINT_SECONDS
        with self.counting() as calls:
            for url in self.read:
                self.client.get(url)
        self.assertEqual(calls.count("get"), len(self.read), calls)

"""A change to one condition leaves every other condition's pages, their
ETags and their page-cache entries valid; every kind of change a condition's
pages show changes theirs; a change every page shows changes them all
(answers/versions.py, "What a page's validators are made of")."""

from datetime import timedelta
from unittest import mock

from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from answers import services, versions
from answers.models import Condition, PublicVersion
from answers.publication import catalogue_changed
from community import services as community_services
from community.models import Member
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    edit,
    make_condition,
    publish,
)

# Home, the A–Z and the feeds list editorial content only (public/views.py
# `home`, `condition_index`; public/discovery.py's feeds): no post count, no
# map. The sitemap dates each experiences page by its newest post.
LISTINGS = ["/", "/conditions/", "/feeds/answers/", "/feeds/corrections/"]
SITEMAP = ["/sitemap.xml"]


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class CachesSurviveWritesTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        # Hints kept for the whole test: a slow machine must not turn a page
        # kept in memory into a stored page read again.
        patcher = mock.patch.object(versions, "VERSION_TTL", 3600)
        patcher.start()
        self.addCleanup(patcher.stop)
        PublicVersion.objects.get_or_create(pk=1)
        self.a = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.qa = draft(self.writer, self.a, slug="is-it-contagious")
        publish(self.qa, writer=self.writer, reviewer=self.reviewer)
        self.sibling = draft(
            self.writer, self.a, text="Is it inherited?", slug="is-it-inherited"
        )
        publish(self.sibling, writer=self.writer, reviewer=self.reviewer)
        self.b = make_condition(name="Castleman disease", slug="castleman-disease")
        self.qb = draft(self.writer, self.b, slug="is-it-cancer")
        publish(self.qb, writer=self.writer, reviewer=self.reviewer)
        self.a.refresh_from_db()
        self.b.refresh_from_db()

    def pages(self, condition: Condition, question) -> list[str]:
        return [
            question.get_absolute_url(),
            condition.get_absolute_url(),
            reverse("community:experiences", args=[condition.public_slug]),
        ]

    def warm(self, urls: list[str]) -> dict[str, str]:
        """Each page read twice, the second time from this process's memory;
        their ETags."""
        etags = {}
        for url in urls:
            self.client.get(url)
            response = self.client.get(url)
            self.assertEqual(response["X-Page-Cache"], "hit; memory", url)
            etags[url] = response["ETag"]
        return etags

    def assert_still_valid(self, etags: dict[str, str]) -> None:
        for url, etag in etags.items():
            with self.subTest(still_valid=url):
                self.assertEqual(
                    self.client.get(url, HTTP_IF_NONE_MATCH=etag).status_code, 304
                )
                response = self.client.get(url)
                self.assertEqual(response["X-Page-Cache"], "hit; memory")
                self.assertEqual(response["ETag"], etag)

    def assert_changed(self, etags: dict[str, str]) -> None:
        for url, etag in etags.items():
            with self.subTest(changed=url):
                response = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
                self.assertNotEqual(response.status_code, 304)
                self.assertNotEqual(response.get("ETag"), etag)
                self.assertFalse(
                    response.get("X-Page-Cache", "").startswith("hit"), url
                )

    def assert_only_a_changes(self, change, *, shows: str = "", url: str = ""):
        """`change` (a change to condition A) changes A's pages and leaves
        B's as they were; A's answer page (or `url`) then shows `shows`."""
        a_pages = self.warm(self.pages(self.a, self.qa))
        b_pages = self.warm(self.pages(self.b, self.qb))
        change()
        self.assert_still_valid(b_pages)
        self.assert_changed(a_pages)
        if shows:
            self.assertContains(
                self.client.get(url or self.qa.get_absolute_url()), shows
            )

    def test_an_approval_changes_only_its_conditions_pages(self):
        def approve():
            edit(self.qa, self.writer, short_answer="A newly approved wording.")
            publish(self.qa, writer=self.writer, reviewer=self.second_reviewer)

        self.assert_only_a_changes(approve, shows="A newly approved wording.")

    def test_a_correction_changes_only_its_conditions_pages(self):
        def correct():
            edit(
                self.qa,
                self.writer,
                short_answer="It is not catching.",
                change_summary="We made the answer say plainly it is not catching.",
            )
            publish(self.qa, writer=self.writer, reviewer=self.second_reviewer)

        self.assert_only_a_changes(
            correct, shows="We made the answer say plainly it is not catching."
        )

    def test_a_recertification_changes_only_its_conditions_pages(self):
        def recertify():
            services.recertify(
                item=self.qa, user=self.second_reviewer, coi_confirmed=True
            )

        self.assert_only_a_changes(recertify, shows="Dr Sam Lindqvist")

    def test_unpublishing_a_sibling_changes_only_its_conditions_pages(self):
        self.assertContains(self.client.get(self.qa.get_absolute_url()), "inherited")

        def unpublish():
            services.unpublish(item=self.sibling, user=self.reviewer, reason="Error")

        self.assert_only_a_changes(unpublish)
        self.assertNotContains(self.client.get(self.qa.get_absolute_url()), "inherited")

    def test_a_moderated_post_changes_only_its_conditions_pages(self):
        experience = share(self.member, self.a, self.qa)

        def approve():
            community_services.approve_experience(
                user=self.moderator, experience=experience
            )

        self.assert_only_a_changes(approve, shows="1 person with POEMS syndrome")

    def test_a_post_taken_down_changes_only_its_conditions_pages(self):
        experience = share_published(
            self.member, self.a, self.qa, moderator=self.moderator
        )
        experiences = reverse("community:experiences", args=[self.a.public_slug])
        self.assertContains(self.client.get(experiences), "I was diagnosed")

        def hide():
            community_services.hide_experience(
                user=self.moderator, experience=experience, reason="Check"
            )

        self.assert_only_a_changes(hide)
        self.assertNotContains(self.client.get(experiences), "I was diagnosed")

    def test_a_map_change_changes_only_its_conditions_pages(self):
        member = Member.objects.get(user=self.member)
        community_services.update_profile(
            member=member, country="GB", counted_in_map=True
        )

        def join():
            community_services.set_relation(
                member=member, condition=self.a, relation="lives_with"
            )

        self.assert_only_a_changes(join)

    def test_a_rename_changes_only_its_conditions_pages_and_the_old_address_moves(
        self,
    ):
        old = self.pages(self.a, self.qa)

        def rename():
            Condition.objects.filter(pk=self.a.pk).update(
                name="POEMS (Crow–Fukase) syndrome", slug="crow-fukase-syndrome"
            )
            approve_facts(self.a, reviewer=self.second_reviewer)

        self.assert_only_a_changes(rename)
        self.a.refresh_from_db()
        self.assertEqual(self.a.public_slug, "crow-fukase-syndrome")
        answer, condition, experiences = old
        # Every old address moves, the experiences list too (it was a 404).
        for url in (answer, condition, experiences):
            with self.subTest(old=url):
                self.assertEqual(self.client.get(url).status_code, 301)
        self.qa.refresh_from_db()
        self.assertContains(
            self.client.get(self.qa.get_absolute_url()), "POEMS (Crow–Fukase) syndrome"
        )

    def test_a_rename_never_serves_the_old_address_from_another_process_hint(self):
        # Another process's condition hint for the old address is in the
        # shared cache: the announcement replaces it too.
        old = self.warm([self.qa.get_absolute_url()])
        Condition.objects.filter(pk=self.a.pk).update(
            name="POEMS (Crow–Fukase) syndrome", slug="crow-fukase-syndrome"
        )
        approve_facts(self.a, reviewer=self.second_reviewer)
        versions._local_conditions.clear()  # this process forgets its own
        for url, etag in old.items():
            response = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
            self.assertEqual(response.status_code, 301)

    def test_a_reviewers_new_name_changes_every_page_that_shows_it(self):
        a_pages = self.warm(self.pages(self.a, self.qa))
        b_pages = self.warm(self.pages(self.b, self.qb))
        profile = self.reviewer_profile
        profile.display_name = "Dr Rita Osei-Mensah"
        services.save_reviewer(reviewer=profile, user=self.admin)
        # Answer pages name the reviewer as they were at approval, and link
        # to their page, which shows the new name.
        self.assert_changed({**a_pages, **b_pages})
        self.assertContains(self.client.get("/reviewers/rita/"), "Osei-Mensah")

    def test_a_terminology_release_changes_every_page(self):
        a_pages = self.warm(self.pages(self.a, self.qa))
        b_pages = self.warm(self.pages(self.b, self.qb))
        catalogue_changed()
        self.assert_changed({**a_pages, **b_pages})

    def test_pages_that_list_every_condition_change_with_any_of_them(self):
        listing = self.warm(["/", "/conditions/", "/feeds/answers/", "/sitemap.xml"])
        b_pages = self.warm(self.pages(self.b, self.qb))
        edit(self.qa, self.writer, short_answer="A newly approved wording.")
        publish(self.qa, writer=self.writer, reviewer=self.second_reviewer)
        self.assert_changed(listing)
        self.assert_still_valid(b_pages)

    def test_tomorrow_changes_a_conditions_pages_without_any_edit(self):
        etags = self.warm(self.pages(self.a, self.qa))
        tomorrow = timezone.localdate() + timedelta(days=1)
        with mock.patch("public.caching.timezone.localdate", return_value=tomorrow):
            self.assert_changed(etags)

    def test_without_hints_a_stored_page_still_answers_304(self):
        url = self.qb.get_absolute_url()
        etag = self.warm([url])[url]
        cache.clear()  # Redis emptied: no hint for any condition
        versions._local_conditions.clear()
        response = self.client.get(url, HTTP_IF_NONE_MATCH=etag)
        self.assertEqual(response.status_code, 304)
        self.assertEqual(response["ETag"], etag)
        # And the hint is kept again, for everyone.
        slug = self.b.public_slug
        self.assertIsNotNone(versions.known_condition_version(slug))

    def test_a_moderated_post_leaves_home_the_az_and_the_feeds_valid(self):
        experience = share(self.member, self.a, self.qa)
        listings = self.warm(LISTINGS)
        sitemap = self.warm(SITEMAP)
        community_services.approve_experience(
            user=self.moderator, experience=experience
        )
        self.assert_still_valid(listings)
        self.assert_changed(sitemap)
        self.assertContains(
            self.client.get("/sitemap.xml"),
            reverse("community:experiences", args=[self.a.public_slug]),
        )

    def test_a_post_taken_down_leaves_home_the_az_and_the_feeds_valid(self):
        experience = share_published(
            self.member, self.a, self.qa, moderator=self.moderator
        )
        experiences = reverse("community:experiences", args=[self.a.public_slug])
        self.assertContains(self.client.get("/sitemap.xml"), experiences)
        listings = self.warm(LISTINGS)
        sitemap = self.warm(SITEMAP)
        community_services.hide_experience(
            user=self.moderator, experience=experience, reason="Check"
        )
        self.assert_still_valid(listings)
        self.assert_changed(sitemap)
        self.assertNotContains(self.client.get("/sitemap.xml"), experiences)

    def test_a_map_change_leaves_every_listing_and_the_sitemap_valid(self):
        member = Member.objects.get(user=self.member)
        community_services.update_profile(
            member=member, country="GB", counted_in_map=True
        )
        pages = self.warm(LISTINGS + SITEMAP)
        community_services.set_relation(
            member=member, condition=self.a, relation="lives_with"
        )
        self.assert_still_valid(pages)

    def test_a_recertification_changes_home_and_every_listing(self):
        pages = self.warm(LISTINGS + SITEMAP)
        services.recertify(item=self.qb, user=self.second_reviewer, coi_confirmed=True)
        # Home lists the latest reviews; the feeds and the A–Z move with it.
        self.assert_changed(pages)

    def test_a_rename_changes_the_az_home_the_feeds_and_the_sitemap(self):
        pages = self.warm(LISTINGS + SITEMAP)
        Condition.objects.filter(pk=self.a.pk).update(
            name="POEMS (Crow–Fukase) syndrome", slug="crow-fukase-syndrome"
        )
        approve_facts(self.a, reviewer=self.second_reviewer)
        self.assert_changed(pages)
        for url in ["/", "/conditions/", "/feeds/answers/"]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Crow–Fukase")
        self.assertContains(self.client.get("/sitemap.xml"), "crow-fukase-syndrome")

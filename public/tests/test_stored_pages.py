"""Answer and condition pages are stored once rendered (public/pages.py): the
next anonymous reader gets the same page with two queries, every kind of
change shows on the next request, erased posts leave no copy, and a page
rendered from content older than a change is never kept."""

import logging
import tempfile
import uuid
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from answers import services
from answers.models import PublicVersion, Reviewer, StoredPage
from answers.publication import public_content_changed
from community import services as community_services
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    edit,
    edit_condition_in_admin,
    make_member,
    make_poems,
    publish,
)
from public import pages

POST = (
    "Pacing my mornings changed everything; the afternoons are for resting and "
    "my family plans around that now."
)


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class StoredPagesTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        PublicVersion.objects.get_or_create(pk=1)
        self.condition = make_poems()
        self.question = draft(
            self.writer,
            self.condition,
            slug="is-it-contagious",
            text="Is POEMS syndrome contagious?",
        )
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.sibling = draft(
            self.writer,
            self.condition,
            slug="how-is-it-treated",
            text="How is POEMS syndrome treated?",
            topic="treatment",
        )
        publish(self.sibling, writer=self.writer, reviewer=self.reviewer)
        self.url = self.question.get_absolute_url()
        self.condition_url = self.condition.get_absolute_url()

    def get(self, url: str, **extra):
        """A page-cache miss (a new query string), so the stored page is asked."""
        response = self.client.get(url, {"fresh": uuid.uuid4().hex}, **extra)
        self.assertEqual(response.status_code, 200, url)
        return response

    def read_twice(self, *urls: str) -> None:
        for url in urls:
            self.get(url)
            self.assertEqual(self.get(url)["X-Stored-Page"], "hit", url)

    def test_the_first_reader_stores_the_page_and_the_next_get_the_same(self):
        for url in (self.url, self.condition_url):
            with self.subTest(url=url):
                first, second = self.get(url), self.get(url)
                self.assertEqual(first["X-Stored-Page"], "miss")
                self.assertEqual(second["X-Stored-Page"], "hit")
                self.assertEqual(first.content, second.content)
                self.assertEqual(
                    StoredPage.objects.get(path=url).html.count("<html"), 1
                )
                # Nothing personal in it, and nothing that pins the reader.
                self.assertFalse(first.cookies)
                self.assertContains(second, "Sign up")

    def test_a_stored_page_costs_one_query(self):
        for url in (self.url, self.condition_url):
            with self.subTest(url=url):
                self.get(url)
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.get(url)["X-Stored-Page"], "hit")
                # The stored page, with the content version the page cache
                # keeps it under.
                self.assertEqual(len(queries), 1)

    def test_logged_in_readers_get_their_own_page_and_store_none(self):
        self.client.force_login(self.member)
        for url in (self.url, self.condition_url):
            with self.subTest(url=url):
                response = self.get(url)
                self.assertEqual(response["X-Stored-Page"], "none")
                self.assertContains(response, "SunnyMina")
        self.assertFalse(StoredPage.objects.exists())
        self.client.logout()
        self.read_twice(self.url)
        self.assertNotIn("SunnyMina", StoredPage.objects.get(path=self.url).html)
        # A reader with a session cookie is not served the stored copy either.
        self.client.force_login(self.member)
        self.assertEqual(self.get(self.url)["X-Stored-Page"], "none")

    def assert_next_request_shows(self, url: str, text: str, change, *, gone=False):
        self.read_twice(url)
        check = self.assertNotContains if gone else self.assertContains
        opposite = self.assertContains if gone else self.assertNotContains
        opposite(self.get(url), text)
        change()
        response = self.get(url)
        self.assertEqual(response["X-Stored-Page"], "miss")
        check(response, text)
        check(self.get(url), text)  # and so does the page stored now

    def approve_wording(self, question, wording: str) -> None:
        edit(question, self.writer, short_answer=wording)
        services.submit_for_review(item=question, user=self.writer)
        services.approve(
            item=question,
            user=self.second_reviewer,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )

    def test_editorial_changes_show_on_the_next_request(self):
        def new_sibling():
            question = draft(
                self.writer, self.condition, text="Can children get it?", slug="kids"
            )
            publish(question, writer=self.writer, reviewer=self.reviewer)

        def rename_in_the_admin():
            edit_condition_in_admin(
                self.client,
                self.writer,
                self.condition,
                name="POEMS syndrome (Crow–Fukase)",
            )
            # A draft: the stored page is still the one readers get.
            kept = self.get(self.url)
            self.assertEqual(kept["X-Stored-Page"], "hit")
            self.assertNotContains(kept, "POEMS syndrome (Crow–Fukase)")
            approve_facts(self.condition, reviewer=self.reviewer)

        def reviewer_profile():
            # A change no condition can be named for: every page goes stale.
            Reviewer.objects.update(slug=Concat(Value("dr-"), "slug"))
            public_content_changed()

        cases = [
            (
                "a new wording of this answer",
                self.url,
                "A newly approved wording.",
                lambda: self.approve_wording(
                    self.question, "A newly approved wording."
                ),
            ),
            ("a new sibling question", self.url, "Can children get it?", new_sibling),
            (
                "a sibling's new wording, on the condition page",
                self.condition_url,
                "Treatment is tailored.",
                lambda: self.approve_wording(self.sibling, "Treatment is tailored."),
            ),
            (
                "a condition edit in the admin, once approved",
                self.url,
                "POEMS syndrome (Crow–Fukase)",
                rename_in_the_admin,
            ),
            (
                "a reviewer's profile",
                self.url,
                'href="/reviewers/dr-',
                reviewer_profile,
            ),
        ]
        for label, url, text, change in cases:
            with self.subTest(label):
                self.assert_next_request_shows(url, text, change)

    def test_an_unpublished_sibling_leaves_every_page_of_its_condition(self):
        def unpublish():
            services.unpublish(item=self.sibling, user=self.reviewer, reason="Old")

        self.read_twice(self.condition_url)
        self.assert_next_request_shows(
            self.url, "How is POEMS syndrome treated?", unpublish, gone=True
        )
        self.assertNotContains(
            self.get(self.condition_url), "How is POEMS syndrome treated?"
        )

    def test_community_changes_show_on_the_next_request(self):
        experience = share(self.member, self.condition, self.question, body=POST)
        # Four members in Norway: too few for the map (figures in steps of 5,
        # public/community_map.py) until the member below makes five.
        for n in range(4):
            counted = make_member(f"norway{n}").member
            community_services.update_profile(
                member=counted, country="NO", counted_in_map=True
            )
            community_services.set_relation(
                member=counted, condition=self.condition, relation="family"
            )
        cases = [
            (
                "a post approved, on its answer page",
                self.url,
                "1 person with POEMS syndrome",
                lambda: community_services.approve_experience(
                    user=self.moderator, experience=experience
                ),
                False,
            ),
            (
                "the post hidden, on the condition page",
                self.condition_url,
                "Pacing my mornings",
                lambda: community_services.hide_experience(
                    user=self.moderator, experience=experience, reason="Check"
                ),
                True,
            ),
            (
                "a member counted on the map",
                self.condition_url,
                "At least 5 members with POEMS syndrome, by country",
                lambda: community_services.update_profile(
                    member=self.member.member, country="NO", counted_in_map=True
                ),
                False,
            ),
        ]
        for label, url, text, change, gone in cases:
            with self.subTest(label):
                self.assert_next_request_shows(url, text, change, gone=gone)

    def test_erased_posts_leave_no_copy_in_stored_pages(self):
        marker = "Quetzalcoatl-7421"
        cases = [
            (
                "a post deleted by its author",
                self.member,
                lambda post: community_services.delete_experience(
                    user=self.member, experience=post
                ),
            ),
            (
                "an account deleted",
                self.other_member,
                lambda post: community_services.delete_account(
                    user=self.other_member, keep_posts=False
                ),
            ),
        ]
        for label, author, erase in cases:
            with self.subTest(label):
                post = share_published(
                    author,
                    self.condition,
                    self.question,
                    moderator=self.moderator,
                    body=f"{POST} {marker}",
                )
                self.read_twice(self.url, self.condition_url)
                stored = StoredPage.objects.filter(html__contains=marker)
                self.assertEqual(stored.count(), 2)
                erase(post)
                self.assertFalse(stored.exists())
                self.assertNotContains(self.get(self.url), marker)
                self.assertNotContains(self.get(self.condition_url), marker)

    def test_the_overdue_notice_appears_at_midnight_on_a_stored_page(self):
        self.read_twice(self.url)
        self.assertNotContains(self.get(self.url), "Review overdue")
        self.question.refresh_from_db()
        later = self.question.next_review_due + timedelta(days=1)
        with mock.patch("public.pages.timezone.localdate", return_value=later):
            response = self.get(self.url)
        self.assertEqual(response["X-Stored-Page"], "hit")
        self.assertContains(response, "Review overdue since")
        self.assertNotContains(self.get(self.url), "Review overdue")

    def test_a_page_rendered_before_a_change_is_never_stored(self):
        request = RequestFactory().get(self.url)
        request.user = AnonymousUser()
        found = pages.find(request)  # the version, before the content is read
        self.approve_wording(self.question, "Approved while the page rendered.")
        pages.store(
            found,
            "<p>the old page</p>",
            condition=self.condition,
            question=self.question,
        )
        self.assertFalse(StoredPage.objects.filter(path=self.url).exists())
        response = self.get(self.url)
        self.assertEqual(response["X-Stored-Page"], "miss")
        self.assertContains(response, "Approved while the page rendered.")

    def test_a_change_deletes_the_stored_pages_of_its_condition(self):
        self.read_twice(self.url, self.sibling.get_absolute_url(), self.condition_url)
        self.assertEqual(StoredPage.objects.count(), 3)
        services.recertify(
            item=self.question, user=self.second_reviewer, coi_confirmed=True
        )
        self.assertFalse(StoredPage.objects.exists())

    def test_a_new_release_renders_every_page_again(self):
        self.read_twice(self.url)
        with override_settings(RELEASE="the-next-release"):
            self.assertEqual(self.get(self.url)["X-Stored-Page"], "miss")
            self.assertEqual(self.get(self.url)["X-Stored-Page"], "hit")

    def test_a_page_that_cannot_be_stored_is_still_served(self):
        failure = DatabaseError(f"could not write {POST}")
        with (
            # Whichever way this database stores a page (public/pages.py).
            mock.patch.object(pages, "_store_in_one_statement", side_effect=failure),
            mock.patch.object(pages, "_store_in_transaction", side_effect=failure),
            self.assertLogs("public.pages", level=logging.WARNING) as logs,
        ):
            response = self.get(self.url)
        self.assertContains(response, "Is POEMS syndrome contagious?")
        self.assertFalse(StoredPage.objects.exists())
        self.assertEqual(
            logs.output,
            ["WARNING:public.pages:Could not store a rendered page (DatabaseError)"],
        )


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class RenderPagesCommandTestCase(PersonasTestCase):
    def setUp(self) -> None:
        PublicVersion.objects.get_or_create(pk=1)
        self.condition = make_poems()
        self.questions = []
        for slug in ("what-is-it", "is-it-contagious"):
            question = draft(self.writer, self.condition, slug=slug)
            publish(question, writer=self.writer, reviewer=self.reviewer)
            self.questions.append(question)
        draft(self.writer, self.condition, slug="not-yet")  # never published

    def render(self, *args: str) -> str:
        out = StringIO()
        call_command("render_pages", *args, stdout=out)
        return out.getvalue()

    def test_it_renders_every_page_that_is_not_current(self):
        output = self.render()
        self.assertIn("3 pages, 0 already current: rendering 3", output)
        self.assertIn("Rendered 3 pages", output)
        self.assertEqual(
            sorted(StoredPage.objects.values_list("path", flat=True)),
            sorted(
                [self.condition.get_absolute_url()]
                + [q.get_absolute_url() for q in self.questions]
            ),
        )
        self.assertIn("3 already current: rendering 0", self.render())
        # What readers then get is that page.
        response = self.client.get(self.questions[0].get_absolute_url())
        self.assertEqual(response["X-Stored-Page"], "hit")

    def test_after_a_change_only_that_conditions_pages_are_rendered(self):
        other = make_poems(name="Other syndrome", slug="other-syndrome", acronym="")
        publish(draft(self.writer, other), writer=self.writer, reviewer=self.reviewer)
        self.render()
        public_content_changed(conditions=[other])
        self.assertIn("rendering 2", self.render())

    def test_paths_from_a_file(self):
        listed = self.questions[0].get_absolute_url()
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as paths:
            paths.write(f"{listed}\n/conditions/no-such-thing/\n/about/\n")
            paths.flush()
            output = self.render("--paths", paths.name)
        self.assertIn("Rendered 1 page in", output)
        self.assertIn("2 paths are no live page", output)
        self.assertEqual(
            list(StoredPage.objects.values_list("path", flat=True)), [listed]
        )

    def test_an_unreadable_paths_file_says_what_to_give(self):
        with self.assertRaisesMessage(CommandError, "one page path per line"):
            self.render("--paths", "/nonexistent/paths.txt")

    def test_stale_pages_are_rendered_again_after_midnight_only_if_changed(self):
        self.render()
        tomorrow = timezone.localdate() + timedelta(days=1)
        with mock.patch("public.pages.timezone.localdate", return_value=tomorrow):
            self.assertIn("rendering 0", self.render())

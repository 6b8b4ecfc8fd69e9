"""Counts are distinct members with published posts: exact, and matching the list."""

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import services
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    make_member,
    publish,
)


def text(response, selector: str) -> str:
    return " ".join(
        BeautifulSoup(response.content, "html.parser")
        .select_one(selector)
        .get_text()
        .split()
    )


class CountsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.answer_url = self.question.get_absolute_url()
        self.list_url = reverse("community:experiences", args=["poems-syndrome"])

    def test_singular_and_plural_on_the_answer_page(self):
        self.assertEqual(
            text(self.client.get(self.answer_url), "#question-sharers"),
            "No one has shared an experience on this question yet.",
        )
        share_published(
            self.member, self.condition, self.question, moderator=self.moderator
        )
        response = self.client.get(self.answer_url)
        self.assertEqual(
            text(response, "#question-sharers"),
            "1 person with POEMS syndrome has shared their first-person experience "
            "on this question.",
        )
        link = BeautifulSoup(response.content, "html.parser").select_one(
            "#question-sharers a"
        )
        self.assertEqual(link["href"], self.list_url + "?question=is-it-contagious")
        self.assertContains(response, "Personal experience, not medical advice")
        self.assertContains(response, "Share yours")

        share_published(
            self.other_member, self.condition, self.question, moderator=self.moderator
        )
        self.assertEqual(
            text(self.client.get(self.answer_url), "#question-sharers"),
            "2 people with POEMS syndrome have shared their first-person experience "
            "on this question.",
        )

    def test_counts_are_distinct_published_authors_and_match_the_list(self):
        # Mina posts three times, Omar once on another topic; pending and hidden
        # posts do not count.
        for _ in range(3):
            share_published(
                self.member, self.condition, self.question, moderator=self.moderator
            )
        share_published(self.other_member, self.condition, moderator=self.moderator)
        share(make_member("pat"), self.condition, self.question)  # pending
        hidden = share_published(
            make_member("kim"), self.condition, self.question, moderator=self.moderator
        )
        services.hide_experience(user=self.moderator, experience=hidden, reason="x")

        condition_page = self.client.get(self.condition.get_absolute_url())
        self.assertEqual(
            text(condition_page, "#condition-sharers"),
            "2 people with POEMS syndrome share their experiences here.",
        )
        answer = self.client.get(self.answer_url)
        self.assertIn(
            "1 person with POEMS syndrome has shared", text(answer, "#question-sharers")
        )

        listed = BeautifulSoup(
            self.client.get(self.list_url + "?question=is-it-contagious").content,
            "html.parser",
        )
        authors = {
            h.get_text().split("·")[0].strip() for h in listed.select(".experience h3")
        }
        self.assertEqual(authors, {"SunnyMina"})
        self.assertIn(
            "1 person with POEMS syndrome has shared",
            listed.select_one("#sharer-count").get_text(),
        )
        everything = BeautifulSoup(
            self.client.get(self.list_url).content, "html.parser"
        )
        authors = {
            h.get_text().split("·")[0].strip()
            for h in everything.select(".experience h3")
        }
        self.assertEqual(authors, {"SunnyMina", "Omar_R"})
        self.assertIn("2 people", everything.select_one("#sharer-count").get_text())

    def test_the_list_is_paginated_and_filtered(self):
        for n in range(12):
            share_published(
                make_member(f"m{n}"), self.condition, moderator=self.moderator
            )
        first = self.client.get(self.list_url)
        self.assertEqual(len(first.context["page"]), 10)
        self.assertContains(first, "Page 1 of 2")
        second = self.client.get(self.list_url + "?page=2")
        self.assertEqual(len(second.context["page"]), 2)
        filtered = self.client.get(self.list_url + "?question=is-it-contagious")
        self.assertEqual(len(filtered.context["page"]), 0)
        self.assertContains(filtered, "No one has shared an experience here yet")

    def count(self, url: str, user=None) -> int:
        if user:
            self.client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def test_query_counts_do_not_grow_with_posts(self):
        urls = [
            self.answer_url,
            self.list_url,
            self.list_url + "?question=is-it-contagious",
            self.condition.get_absolute_url(),
        ]
        share_published(
            self.member, self.condition, self.question, moderator=self.moderator
        )
        before = {url: self.count(url) for url in urls}
        logged_in = self.count(self.list_url, self.member)
        self.client.logout()
        for n in range(15):
            share_published(
                make_member(f"q{n}"),
                self.condition,
                self.question,
                moderator=self.moderator,
            )
            share(make_member(f"p{n}"), self.condition)  # pending: not shown
        after = {url: self.count(url) for url in urls}
        self.assertEqual(before, after)
        self.assertEqual(self.count(self.list_url, self.member), logged_in)

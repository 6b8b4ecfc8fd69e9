"""Every query of the pages `make bench` loads can be answered from an index.

With test-sized tables PostgreSQL rightly reads small tables whole, so each
captured query is explained again with sequential scans switched off: a
"Seq Scan" that remains on a table that grows with the site means no index
can serve the query. (`tools/bench/explain.py` shows the plans chosen at full size.)
"""

import uuid
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import services
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_member,
    make_poems,
    publish,
)
from tools.query_plans import explain, is_control, sequential_scans


@pytest.mark.postgres
class QueryPlansTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        waiting = draft(cls.writer, cls.condition, topic="diagnosis")
        services.submit_for_review(item=waiting, user=cls.writer)
        for n in range(12):
            author = make_member(f"sharer{n}")
            about = cls.question if n % 2 else None
            share_published(author, cls.condition, about, moderator=cls.moderator)
            share(author, cls.condition)
        cls.poster = make_member("poster")

    def setUp(self) -> None:
        cache.clear()

    def captured(self, url: str, *, user=None, data=None) -> list[str]:
        self.client.logout()
        if user is not None:
            self.client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            if data is None:
                response = self.client.get(url)
            else:
                response = self.client.post(url, data)
        self.assertIn(response.status_code, {200, 302}, url)
        return [query["sql"] for query in queries.captured_queries]

    def pages(self) -> dict[str, list[str]]:
        experiences = reverse("community:experiences", args=[self.condition.slug])
        share_url = reverse("community:share", args=[self.condition.slug])
        return {
            "answer": self.captured(self.question.get_absolute_url()),
            "condition": self.captured(self.condition.get_absolute_url()),
            "experiences": self.captured(experiences),
            "experiences, page 2": self.captured(f"{experiences}?page=2"),
            "search, synonym": self.captured(
                "/search/?" + urlencode({"q": "Crow–Fukase syndrome"})
            ),
            "search, typo": self.captured("/search/?q=Takatsky"),
            "awaiting my review": self.captured(
                reverse("admin:answers_question_changelist") + "?queue=mine",
                user=self.second_reviewer,
            ),
            "post an experience": self.captured(
                share_url,
                user=self.poster,
                data={
                    "relation": "lives_with",
                    "question": "",
                    "body": "Resting before I get tired helps me more than "
                    "anything else.",
                    "submission_key": str(uuid.uuid4()),
                    "post": "1",
                },
            ),
        }

    def test_no_query_needs_to_read_a_growing_table_whole(self):
        self.assertEqual(self.whole_reads(self.pages()), [])

    def test_search_looks_each_name_up_by_key_whatever_joins_cost(self):
        """CI once saw the planner merge-join the names found with the whole
        conditions index: the statistics of a test-sized table decide which
        join is cheapest. With nested loops priced out, only a lookup that
        cannot be planned as a join keeps to the primary key."""
        pages = {
            page: statements
            for page, statements in self.pages().items()
            if page.startswith("search")
        }
        with connection.cursor() as cursor:
            cursor.execute("SET enable_nestloop = off")
            try:
                problems = self.whole_reads(pages)
            finally:
                cursor.execute("RESET enable_nestloop")
        self.assertEqual(problems, [])

    def whole_reads(self, pages: dict[str, list[str]]) -> list[str]:
        problems = []
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            try:
                for page, statements in pages.items():
                    for sql in statements:
                        if is_control(sql) or not sql.startswith(("SELECT", "WITH")):
                            continue
                        if sql.startswith("SELECT set_config("):
                            cursor.execute(sql)
                            continue
                        problems += [
                            f"{page}: {scan} in {sql[:200]}"
                            for scan in sequential_scans(explain(cursor, sql))
                        ]
            finally:
                cursor.execute("RESET enable_seqscan")
        return problems

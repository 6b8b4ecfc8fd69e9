"""Search on every database: only live answers, names above questions above
answers, junk input answered with a helpful page, a fixed number of queries.

PostgreSQL-only behaviour (stemming, typos, the demo content) is in
test_search_postgres.py.
"""

from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import search_index, services
from answers.models import SearchEntry
from answers.publication import public_content_changed
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    condition_form,
    draft,
    edit,
    make_condition,
    make_poems,
    publish,
)
from public import search

REVIEWED_AT = datetime.fromisoformat("2026-03-14T10:00:00+00:00")


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def result_links(response) -> list[str]:
    return [a["href"] for a in soup_of(response).select(".search-result h3 a")]


class SearchTestCase(PersonasTestCase):
    def live(self, condition, **fields):
        question = draft(self.writer, condition, **fields)
        publish(question, writer=self.writer, reviewer=self.reviewer, at=REVIEWED_AT)
        question.refresh_from_db()
        return question

    def search(self, q: str):
        return self.client.get(reverse("public:search"), {"q": q})


class RankingTestCase(SearchTestCase):
    """“Zorbitol” is a condition's synonym, a word of another condition's
    question and a word in a third condition's answer, so each match is
    unambiguous. The answer mentions it most often and still comes last."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.named = make_condition(
            name="Quillon syndrome",
            slug="quillon-syndrome",
            acronym="QLS",
            acronym_expansion="Quillon–Lark syndrome",
            synonyms="Zorbitol disease\nBrannock disease",
        )
        approve_facts(cls.named)
        cls.asked = make_condition(name="Hadley disease", slug="hadley-disease")
        cls.answered = make_condition(name="Tamsin disease", slug="tamsin-disease")

    def setUp(self) -> None:
        self.in_answer = self.live(
            self.answered,
            text="What helps with tiredness?",
            short_answer="Rest helps. Zorbitol, zorbitol and zorbitol again do not.",
            body="Zorbitol is mentioned here.\n\nZorbitol is mentioned again.",
        )
        self.in_question = self.live(
            self.asked, text="Does zorbitol affect sleep?", topic="living"
        )
        self.in_names = self.live(self.named, text="How is it treated?")

    def test_names_rank_above_the_question_above_the_answer(self):
        for q in ["zorbitol", "Zorbitol", "ZORBITOL"]:
            with self.subTest(q=q):
                found = search.search(q)
                self.assertEqual(
                    [hit.question for hit in found.hits],
                    [self.in_names, self.in_question, self.in_answer],
                )
                self.assertEqual(found.conditions, [self.named])

    def test_acronym_and_other_names_find_the_condition(self):
        for q in ["QLS", "qls", "brannock", "Brannock disease", "quillon"]:
            with self.subTest(q=q):
                self.assertEqual(search.search(q).hits[0].question, self.in_names)

    def test_the_page_shows_condition_question_snippet_and_review_date(self):
        response = self.search("zorbitol")

        self.assertEqual(response.status_code, 200)
        soup = soup_of(response)
        first = soup.select_one(".search-result")
        self.assertEqual(
            first.select_one(".search-result-condition a")["href"],
            "/conditions/quillon-syndrome/",
        )
        link = first.select_one("h3 a")
        self.assertEqual(link["href"], self.in_names.get_absolute_url())
        self.assertEqual(link.get_text(), "How is it treated?")
        self.assertIn("Reviewed 2026-03-14", first.get_text(" ", strip=True))
        self.assertEqual(first.select_one("time")["datetime"], "2026-03-14")
        last = soup.select(".search-result")[-1]
        marks = [
            mark.get_text().lower() for mark in last.select(".search-snippet mark")
        ]
        self.assertIn("zorbitol", marks)
        self.assertEqual(
            soup.select_one(".search-conditions a")["href"],
            "/conditions/quillon-syndrome/",
        )
        self.assertIn(
            "3 answers for “zorbitol”", soup.select_one("#search-results-heading").text
        )

    def test_search_pages_ask_not_to_be_indexed(self):
        for q in ["zorbitol", "", "nothing-like-this"]:
            response = self.search(q)
            self.assertEqual(response["X-Robots-Tag"], "noindex")
            robots = soup_of(response).find("meta", attrs={"name": "robots"})
            self.assertEqual(robots["content"], "noindex")


class OnlyLiveContentTestCase(SearchTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="Quillon syndrome", slug="quillon")

    def found(self, q: str) -> list:
        return [hit.question for hit in search.search(q).hits]

    def test_drafts_and_answers_in_review_are_never_found(self):
        question = draft(self.writer, self.condition, text="Is zorbitol safe?")
        self.assertEqual(self.found("zorbitol"), [])
        services.submit_for_review(item=question, user=self.writer)
        self.assertEqual(self.found("zorbitol"), [])
        self.assertFalse(SearchEntry.objects.exists())
        self.assertEqual(result_links(self.search("zorbitol")), [])

    def test_an_approval_makes_the_answer_findable_at_once(self):
        question = draft(self.writer, self.condition, text="Is zorbitol safe?")
        publish(question, writer=self.writer, reviewer=self.reviewer)

        self.assertEqual(self.found("zorbitol"), [question])
        self.assertEqual(
            result_links(self.search("zorbitol")), [question.get_absolute_url()]
        )

    def test_an_edit_is_found_only_after_it_is_approved(self):
        question = self.live(self.condition, text="Is zorbitol safe?")
        edit(question, self.writer, short_answer="Brannock helps. " * 3)

        # The draft's new words stay private; the live answer is still found.
        self.assertEqual(self.found("brannock"), [])
        self.assertEqual(self.found("zorbitol"), [question])

        publish(question, writer=self.writer, reviewer=self.reviewer)
        self.assertEqual(self.found("brannock"), [question])

    def test_unpublishing_removes_the_answer(self):
        question = self.live(self.condition, text="Is zorbitol safe?")
        services.unpublish(item=question, user=self.reviewer, reason="Outdated.")

        self.assertEqual(self.found("zorbitol"), [])
        self.assertEqual(result_links(self.search("zorbitol")), [])
        self.assertFalse(SearchEntry.objects.filter(question=question).exists())

    def test_a_rename_through_public_content_changed_updates_results(self):
        question = self.live(self.condition, text="How is it treated?")
        self.condition.name = "Brannock syndrome"
        self.condition.save()
        # A draft: the index keeps the approved name.
        self.assertEqual(self.found("brannock"), [])
        public_content_changed(conditions=[self.condition])
        self.assertEqual(self.found("brannock"), [])

        approve_facts(self.condition)

        self.assertEqual(self.found("brannock"), [question])
        self.assertEqual(self.found("quillon"), [])

    def test_a_rename_in_the_admin_updates_results(self):
        question = self.live(self.condition, text="How is it treated?")
        self.client.force_login(self.admin)

        response = self.client.post(
            reverse("admin:answers_condition_change", args=[self.condition.pk]),
            condition_form(
                self.condition,
                name="Quillon syndrome",
                slug="quillon",
                acronym="QLS",
                acronym_expansion="Quillon–Lark syndrome",
                synonyms="Brannock disease",
            ),
        )

        self.assertEqual(response.status_code, 302)
        # Searchable once a reviewer approves the facts, not before.
        self.assertEqual(self.found("brannock"), [])
        approve_facts(self.condition)
        self.assertEqual(self.found("brannock"), [question])
        self.assertEqual(self.found("QLS"), [question])
        entry = SearchEntry.objects.get(question=question)
        self.assertIn("Brannock disease", entry.condition_terms)

    def test_rebuild_indexes_live_answers_only(self):
        live = self.live(self.condition, text="Is zorbitol safe?")
        draft(self.writer, self.condition, text="Is zorbitol catching?")
        SearchEntry.objects.all().delete()
        # A leftover entry for an answer that is no longer live.
        gone = self.live(self.condition, text="Is zorbitol inherited?")
        SearchEntry.objects.filter(question=gone).update(question_text="stale")
        type(gone).objects.filter(pk=gone.pk).update(live_revision=None)

        written, removed = search_index.rebuild()

        self.assertEqual((written, removed), (1, 1))
        self.assertEqual(
            list(SearchEntry.objects.values_list("question", flat=True)), [live.pk]
        )
        self.assertEqual(self.found("zorbitol"), [live])

    def test_refresh_runs_a_fixed_number_of_queries(self):
        questions = [
            self.live(self.condition, text=f"Is zorbitol safe ({n})?") for n in range(3)
        ]
        with CaptureQueriesContext(connection) as one:
            search_index.refresh(questions=questions[:1])
        with CaptureQueriesContext(connection) as three:
            search_index.refresh(questions=questions, conditions=[self.condition])
        with CaptureQueriesContext(connection) as nothing:
            search_index.refresh()
        self.assertEqual(len(one), len(three))
        self.assertLessEqual(len(three), 4)
        self.assertEqual(len(nothing), 0)


JUNK = [
    "",
    "   \t\n  ",
    "a" * 5000,
    "poems " * 1000,
    "\x00",
    "zorbitol\x00",
    "\x1b[31mzorbitol\x1b[0m",
    "\u202ezorbitol",
    "' OR 1=1 --",
    "'; DROP TABLE answers_searchentry; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '"',
    "'",
    "-",
    "!",
    "&|",
    "!!! ||| &&& ((( )))",
    '"unclosed phrase',
    "-zorbitol",
    "zorbitol:*",
    "<->",
    "\\",
    "%",
    "_",
    "Ærøskøbing über straße",
    "ポエムス症候群",
    "🙂🙂",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]


class JunkQueriesTestCase(SearchTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        condition = make_condition(name="Quillon syndrome", slug="quillon")
        question = draft(
            cls.writer,
            condition,
            text="Is <i>zorbitol</i> safe?",
            short_answer="Yes. Zorbitol <b>is</b> safe & fine: 5 < 6. "
            "<script>alert('short')</script>",
            body="Some text about zorbitol <script>alert('body')</script> here.",
        )
        publish(question, writer=cls.writer, reviewer=cls.reviewer)

    def test_every_junk_query_gets_a_helpful_page(self):
        for q in JUNK:
            with self.subTest(q=q[:30]):
                response = self.search(q)
                self.assertEqual(response.status_code, 200)
                soup = soup_of(response)
                self.assertIsNotNone(soup.find("form", attrs={"role": "search"}))
                # Something on the page says what to do next.
                self.assertTrue(
                    soup.select(".search-result, .search-help"), soup.main.get_text()
                )
                self.assertNotIn(b"<script>alert", response.content)
                self.assertNotIn(b"<img src=x", response.content)

    def test_an_empty_query_explains_and_offers_examples(self):
        soup = soup_of(self.search(""))
        self.assertIn("What you can search for", soup.main.get_text())
        examples = [a.get_text() for a in soup.select(".search-examples a")]
        self.assertIn("Quillon syndrome", examples)
        self.assertFalse(soup.select(".search-result"))

    def test_a_long_query_is_cut_and_the_reader_told(self):
        response = self.search("zorbitol " + "x" * 5000)
        soup = soup_of(response)
        self.assertIn("first 200 characters", soup.select_one("#search-truncated").text)
        self.assertLessEqual(
            len(soup.find("input", attrs={"name": "q"})["value"]),
            search.MAX_QUERY_LENGTH,
        )

    def test_control_characters_are_removed_before_searching(self):
        for q in [
            "zorbitol\x00",
            "\x1b[31mzorbitol",
            "zor\u200bbitol",
            "\u202ezorbitol",
        ]:
            with self.subTest(q=q):
                cleaned = search.clean_query(q)
                self.assertFalse(
                    any(ch in cleaned.text for ch in "\x00\x1b\u200b\u202e"), cleaned
                )
                self.assertTrue(search.search(q).hits, q)

    def test_html_in_questions_and_answers_is_escaped_in_results(self):
        response = self.search("zorbitol")
        soup = soup_of(response)

        hit = soup.select_one(".search-result")
        self.assertIsNotNone(hit)
        self.assertIn("<i>", hit.select_one("h3 a").get_text())
        self.assertEqual(hit.select("script, b, i, img"), [])
        self.assertNotIn(b"<script>alert", response.content)
        self.assertEqual(
            [m.get_text().lower() for m in hit.select(".search-snippet mark")][:1],
            ["zorbitol"],
        )

    def test_no_results_offers_suggestions_and_the_index(self):
        response = self.search("quilon sindrome treatment for adults")
        soup = soup_of(response)

        self.assertEqual(response.status_code, 200)
        self.assertFalse(soup.select(".search-result"))
        text = soup.select_one("#no-results").get_text(" ", strip=True)
        self.assertIn("No answers found", text)
        self.assertIn("Use fewer words", text)
        self.assertIsNotNone(soup.find("a", href=reverse("public:condition_index")))
        self.assertEqual(
            [a["href"] for a in soup.select(".search-suggestions a")],
            ["/conditions/quillon/"],
        )


class FallbackTestCase(SearchTestCase):
    """The SQLite search, run here on whichever database the suite uses."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.poems = make_poems()
        approve_facts(cls.poems)
        other = make_condition(name="Myasthenia gravis", slug="myasthenia-gravis")
        cls.about = draft(
            cls.writer, cls.poems, text="What is POEMS syndrome?", topic="about"
        )
        cls.contagious = draft(
            cls.writer, cls.poems, text="Is POEMS syndrome contagious?", topic="causes"
        )
        cls.other = draft(
            cls.writer,
            other,
            text="What causes myasthenia gravis?",
            short_answer="The immune system. It is not contagious.",
        )
        for question in (cls.about, cls.contagious, cls.other):
            publish(question, writer=cls.writer, reviewer=cls.reviewer)

    def fallback(self, q: str) -> list:
        results = search.SearchResults(query=q, searchable=True)
        search._search_fallback(results, "default", 20)
        return results

    def test_it_finds_contagious_questions_first(self):
        found = self.fallback("is it contagious")
        self.assertEqual(
            [hit.question for hit in found.hits], [self.contagious, self.other]
        )
        self.assertIn("<mark>contagious</mark>", found.hits[0].question_html)

    def test_it_finds_the_acronym_and_synonyms(self):
        for q in ["POEMS", "poems", "crow fukase", "Crow–Fukase", "takatsuki"]:
            with self.subTest(q=q):
                found = self.fallback(q)
                self.assertEqual(
                    [hit.question for hit in found.hits], [self.about, self.contagious]
                )
                self.assertEqual(found.conditions, [self.poems])

    def test_it_suggests_close_condition_names_when_nothing_matches(self):
        found = self.fallback("myastenia")
        self.assertEqual(found.hits, [])
        self.assertEqual([c.slug for c in found.suggestions], ["myasthenia-gravis"])


class QueryCountTestCase(SearchTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="Quillon syndrome", slug="quillon")

    def count(self, q: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = self.search(q)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_number_of_queries_does_not_grow_with_the_results(self):
        self.live(self.condition, text="Is zorbitol safe?")
        few = self.count("zorbitol")
        for n in range(5):
            self.live(
                make_condition(), text=f"Does zorbitol help ({n})?", topic="treatment"
            )
        many = self.count("zorbitol")

        self.assertEqual(len(search.search("zorbitol").hits), 6)
        self.assertEqual(few, many)
        self.assertLessEqual(many, 8)


class HomePageTestCase(TestCase):
    def test_the_home_page_has_a_search_box(self):
        soup = soup_of(self.client.get("/"))
        form = soup.find("form", attrs={"role": "search"})
        self.assertEqual(form["action"], reverse("public:search"))
        self.assertEqual(form["method"], "get")
        field = form.find("input", attrs={"name": "q"})
        self.assertEqual(soup.find("label", attrs={"for": field["id"]}).name, "label")


@pytest.mark.parametrize(
    ("raw", "text", "truncated"),
    [
        ("  crow \t fukase ", "crow fukase", False),
        ("\x00\x1b\u202e", "", False),
        ("word " * 100, ("word " * 40).strip(), True),
        ("x" * 300, "x" * 200, True),
    ],
)
def test_clean_query(raw: str, text: str, truncated: bool) -> None:
    cleaned = search.clean_query(raw)
    assert (cleaned.text, cleaned.truncated) == (text, truncated)

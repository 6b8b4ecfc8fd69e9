"""Search on PostgreSQL: stemming, weights, typo tolerance, the indexes, and
the demo content answering what readers type."""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse

from answers.models import Question
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    ensure_roles,
    make_condition,
    publish,
)
from devdata.terminology import load_sample
from public import search

pytestmark = pytest.mark.postgres


class PostgresSearchTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.poems = make_condition(
            name="POEMS syndrome",
            slug="poems-syndrome",
            acronym="POEMS",
            acronym_expansion="Polyneuropathy, Organomegaly, Endocrinopathy, "
            "Monoclonal plasma cell disorder, Skin changes",
            synonyms="Crow–Fukase syndrome\nTakatsuki syndrome\nPEP syndrome",
        )
        cls.mg = make_condition(
            name="Myasthenia gravis",
            slug="myasthenia-gravis",
            acronym="MG",
            acronym_expansion="Myasthenia gravis",
        )
        # Other names and acronyms are searchable once their facts are approved.
        approve_facts(cls.poems)
        approve_facts(cls.mg)
        cls.poems_outlook = cls.live(
            cls.poems,
            text="What is the outlook for people with POEMS syndrome?",
            topic="outlook",
            short_answer="Most people live for many years with treatment. POEMS "
            "syndrome is named for five features, and POEMS syndrome is rare.",
        )
        cls.poems_about = cls.live(
            cls.poems,
            text="What is POEMS syndrome?",
            topic="about",
            short_answer="A rare condition caused by a small group of abnormal "
            "plasma cells.",
        )
        cls.poems_contagious = cls.live(
            cls.poems,
            text="Is POEMS syndrome contagious?",
            topic="causes",
            short_answer="No. You cannot catch it from anyone or pass it on.",
        )
        cls.mg_about = cls.live(
            cls.mg,
            text="What is myasthenia gravis?",
            topic="about",
            short_answer="A condition in which muscles tire quickly.",
        )
        cls.mg_causes = cls.live(
            cls.mg,
            text="What causes myasthenia gravis?",
            topic="causes",
            short_answer="The immune system attacks the links between nerves and "
            "muscles. It is not contagious.",
        )

    @classmethod
    def live(cls, condition, **fields) -> Question:
        question = draft(cls.writer, condition, **fields)
        publish(question, writer=cls.writer, reviewer=cls.reviewer)
        question.refresh_from_db()
        return question

    def first(self, q: str) -> Question:
        hits = search.search(q).hits
        self.assertTrue(hits, f"nothing found for {q!r}")
        return hits[0].question

    def test_other_names_find_the_condition_overview_first(self):
        for q in [
            "crow fukase",
            "Crow–Fukase",
            "Crow-Fukase",
            "crow–fukase syndrome",
            "takatsuki",
            "Takatsuki syndrome",
            "PEP syndrome",
        ]:
            with self.subTest(q=q):
                found = search.search(q)
                self.assertEqual(found.hits[0].question, self.poems_about)
                self.assertEqual(found.conditions, [self.poems])
                self.assertEqual({hit.condition for hit in found.hits}, {self.poems}, q)

    def test_the_acronym_lists_the_condition_in_page_order(self):
        for q in ["POEMS", "poems", "Poems"]:
            with self.subTest(q=q):
                self.assertEqual(
                    [hit.question for hit in search.search(q).hits],
                    [self.poems_about, self.poems_contagious, self.poems_outlook],
                )
        self.assertEqual(self.first("MG"), self.mg_about)

    def test_a_question_phrase_finds_the_question_before_answers(self):
        for q in ["is it contagious", "Is it contagious?", "contagious", "CONTAGIOUS"]:
            with self.subTest(q=q):
                self.assertEqual(
                    [hit.question for hit in search.search(q).hits],
                    [self.poems_contagious, self.mg_causes],
                )
        self.assertEqual(self.first("poems contagious"), self.poems_contagious)

    def test_typos_find_the_condition(self):
        for q, expected in [
            ("poms", self.poems_about),
            ("takatsuky", self.poems_about),
            ("takatski", self.poems_about),
            ("crow fukasi", self.poems_about),
            ("POEMS syndrom", self.poems_about),
            ("myasthenia gravs", self.mg_about),
            ("myastenia", self.mg_about),
            ("contagous", self.poems_contagious),
        ]:
            with self.subTest(q=q):
                self.assertEqual(self.first(q), expected)

    def test_near_matches_rank_below_exact_ones_and_show_the_short_answer(self):
        hits = search.search("poms").hits
        self.assertTrue(all(0 < hit.score < 1 for hit in hits))
        self.assertEqual(
            hits[0].snippet,
            "A rare condition caused by a small group of abnormal plasma cells.",
        )
        exact = search.search("poems").hits
        self.assertTrue(all(hit.score >= 3 for hit in exact))

    def test_junk_does_not_match_by_similarity(self):
        for q in ["' OR 1=1 --", "<script>alert(1)</script>", "zzzz qqqq"]:
            with self.subTest(q=q):
                self.assertEqual(search.search(q).hits, [])

    def test_websearch_syntax_works_and_never_fails(self):
        self.assertEqual(
            [hit.question for hit in search.search("poems -contagious").hits],
            [self.poems_about, self.poems_outlook],
        )
        self.assertEqual(self.first('"myasthenia gravis" OR takatsuki'), self.mg_about)
        for q in ['"', "-", "!", "&|", "(", "a:*", "<->", "!!!poems", "'poems'"]:
            with self.subTest(q=q):
                self.assertEqual(
                    self.client.get(reverse("public:search"), {"q": q}).status_code,
                    200,
                )

    def test_a_word_on_every_page_ranks_a_bounded_number_of_candidates(self):
        # "syndrome" is in every POEMS entry's names and in the MG answers'
        # text; with one candidate of each kind, names still come first.
        with mock.patch.object(search, "CANDIDATES", 1):
            candidates = search.PostgresQuery("syndrome", "default").candidates(21)
            hits = search.search("syndrome").hits
        self.assertLessEqual(len(candidates), 5)
        self.assertLessEqual(len(hits), 5)
        self.assertGreaterEqual(hits[0].score, 3)
        self.assertEqual(hits[0].condition, self.poems)

    def test_near_matches_are_not_looked_for_when_exact_ones_fill_the_page(self):
        query = search.PostgresQuery("poems", "default")
        with search.trigram_threshold("default"):
            filled = query.candidates(1)
            room = query.candidates(100)
        self.assertEqual({pk for pk, _, _ in filled}, {pk for pk, _, _ in room})
        # With room on the page the near matches of the names are looked for
        # too (here the same entries again).
        self.assertGreater(len(room), len(filled))

    def test_snippets_highlight_stemmed_matches(self):
        hit = search.search("features").hits[0]
        self.assertEqual(hit.question, self.poems_outlook)
        self.assertIn("<mark>features</mark>", hit.snippet)

    def test_the_search_indexes_exist_and_are_used(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes "
                "WHERE tablename = 'answers_searchentry'"
            )
            names = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            self.assertIsNotNone(cursor.fetchone())
        indexes = {
            "answers_searchentry_document_gin",
            "answers_searchentry_terms_trgm",
            "answers_searchentry_question_trgm",
            "answers_searchentry_terms_fts",
            "answers_searchentry_question_fts",
        }
        self.assertLessEqual(indexes, names)
        # A handful of rows is read faster without these indexes; forbid the
        # other ways of reading the table to see whether the query can use them.
        # Candidates are found through the indexes, each kind through its own.
        with search.trigram_threshold("default"), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            sql, params = search.PostgresQuery("poms", "default").candidates_sql(21)
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        for index in indexes:
            self.assertIn(index, plan)


class DemoContentTestCase(TestCase):
    """What a reader types on the demo site lands on the right reviewed answer."""

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_roles()  # an earlier transactional test may have flushed them
        load_sample()  # the demo's codes are checked against the catalogue
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())

    def test_reader_queries_land_on_the_right_poems_answer(self):
        for q, slug in [
            ("crow fukase", "what-is-poems-syndrome"),
            ("POEMS", "what-is-poems-syndrome"),
            ("poms", "what-is-poems-syndrome"),
            ("takatsuki", "what-is-poems-syndrome"),
            ("is it contagious", "is-it-contagious"),
        ]:
            with self.subTest(q=q):
                response = self.client.get(reverse("public:search"), {"q": q})
                self.assertEqual(response.status_code, 200)
                first = response.context["results"].hits[0].question
                self.assertEqual(
                    (first.condition.slug, first.slug), ("poems-syndrome", slug)
                )
                self.assertContains(
                    response, f'href="/conditions/poems-syndrome/{slug}/"'
                )

    def test_answers_not_live_in_the_demo_are_never_found(self):
        hidden = Question.objects.filter(live_revision__isnull=True)
        self.assertTrue(hidden.exists())
        for question in hidden:
            with self.subTest(question=question.slug):
                found = [hit.question for hit in search.search(question.text).hits]
                self.assertNotIn(question, found)

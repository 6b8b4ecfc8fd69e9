"""Search's "Conditions" block (public/condition_search.py), on every
database: any name of a reviewed condition finds it first; a condition
nobody has reviewed is listed as such and leads to its plain page; a lay
term names its sign and the conditions Orphanet records it for; typos are
forgiven; a fixed number of queries."""

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devdata.personas import (
    PersonasTestCase,
    add_code,
    approve_facts,
    draft,
    make_condition,
    make_poems,
    publish,
)
from devdata.terminology import load_sample
from public import search


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


class ConditionNamesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.poems = cls.reviewed(make_poems(), "ORPHA", "2905")
        cls.mg = cls.reviewed(
            make_condition(
                name="Myasthenia gravis",
                slug="myasthenia-gravis",
                acronym="MG",
                acronym_expansion="Myasthenia gravis",
            ),
            "ORPHA",
            "589",
        )

    @classmethod
    def reviewed(cls, condition, system: str, code: str):
        add_code(condition, system, code)
        approve_facts(condition)
        question = draft(cls.writer, condition, text=f"What is {condition.name}?")
        publish(question, writer=cls.writer, reviewer=cls.reviewer)
        condition.refresh_from_db()
        return condition

    def search(self, q: str):
        return self.client.get(reverse("public:search"), {"q": q})

    def test_any_name_of_a_reviewed_condition_finds_it_first(self):
        for q in [
            "POEMS",
            "poems syndrome",
            "Crow–Fukase",
            "crow-fukase syndrome",
            "CROW FUKASE",
            # Names only the catalogue gives, for a code the condition carries.
            "PEP syndrome",
            "osteosclerotic myeloma",
            "Polyneuropathy-endocrinopathy-plasma cell dyscrasia syndrome",
        ]:
            with self.subTest(q=q):
                first = search.search(q).names[0]
                self.assertEqual(first.condition, self.poems)
                self.assertEqual(first.url, "/conditions/poems-syndrome/")
        self.assertEqual(search.search("MG").names[0].condition, self.mg)
        self.assertEqual(
            search.search("autoimmune myasthenia gravis").names[0].condition, self.mg
        )

    def test_the_block_comes_first_and_says_which_name_matched(self):
        response = self.search("Takatsuki syndrome")
        soup = soup_of(response)

        block = soup.select_one(".search-conditions")
        results = soup.select_one("#search-results-heading")
        self.assertIsNotNone(results)
        self.assertLess(
            response.content.index(b"search-conditions"),
            response.content.index(b"search-results-heading"),
        )
        first = block.select_one(".condition-match")
        self.assertEqual(first.a["href"], "/conditions/poems-syndrome/")
        self.assertEqual(
            first.get_text(" ", strip=True),
            "POEMS syndrome (other name: Takatsuki syndrome)",
        )

    def test_a_reviewed_condition_outranks_a_catalogue_one_on_a_tie(self):
        # Both are named exactly so: a reviewed condition by an approved
        # other name, a catalogue-only concept (ORPHA:43393) by its own.
        quillon = self.reviewed(
            make_condition(
                name="Quillon disease",
                slug="quillon",
                synonyms="Lambert-Eaton myasthenic syndrome",
            ),
            "ORPHA",
            "117",
        )

        names = search.search("Lambert–Eaton myasthenic syndrome").names

        self.assertEqual(
            [(m.name, m.reviewed) for m in names[:2]],
            [
                ("Quillon disease", True),
                ("Lambert-Eaton myasthenic syndrome", False),
            ],
        )
        self.assertEqual(names[0].condition, quillon)
        self.assertEqual(names[1].url, "/conditions/catalogue/orphanet/43393/")

    def test_a_condition_nobody_reviewed_leads_to_its_plain_page(self):
        response = self.search("castleman disease")
        soup = soup_of(response)

        match = soup.select_one(".search-conditions .condition-match")
        self.assertIn("catalogue-only", match["class"])
        self.assertEqual(match.a["href"], "/conditions/catalogue/gard/12656/")
        self.assertEqual(
            match.get_text(" ", strip=True),
            "Castleman disease · no reviewed answers yet",
        )
        # No answers: said plainly, after the block.
        self.assertIn("No answers found", soup.select_one("#no-results").get_text())
        self.assertEqual(self.client.get(match.a["href"]).status_code, 200)

    def test_a_lay_term_names_the_sign_and_its_conditions(self):
        found = search.search("drooping eyelid")
        sign = found.sign

        self.assertEqual((sign.name, sign.code), ("Ptosis", "HP:0000508"))
        self.assertEqual(sign.matched, "Drooping upper eyelid")
        self.assertTrue(sign.is_lay_term)
        # In the sample only Orphanet's myasthenia gravis records ptosis.
        self.assertEqual([m.condition for m in sign.conditions], [self.mg])
        text = " ".join(
            soup_of(self.search("drooping eyelid"))
            .select_one("#search-sign")
            .text.split()
        )
        self.assertIn(
            "“Drooping upper eyelid” is a lay term for Ptosis (HPO HP:0000508)", text
        )
        self.assertIn("Myasthenia gravis", text)
        self.assertIn("Human Phenotype Ontology", text)

    def test_a_sign_lists_reviewed_conditions_first(self):
        # Muscle weakness: recorded for myasthenia gravis and POEMS syndrome.
        found = search.search("muscular weakness").sign
        self.assertEqual(found.name, "Muscle weakness")
        self.assertEqual([m.condition for m in found.conditions], [self.mg, self.poems])

    def test_a_sign_by_its_own_name_comes_first(self):
        found = search.search("Ptosis")
        self.assertEqual(found.sign.name, "Ptosis")
        self.assertTrue(found.sign_first)

    def test_a_typo_still_finds_the_condition(self):
        for q, condition in [
            ("crow fukse syndrome", self.poems),
            ("myastenia gravis", self.mg),
            ("takatsky", self.poems),
            ("poems syndorme", self.poems),
            # Part of a longer name, with a typo.
            ("crow fukse", self.poems),
            ("fukse syndrome", self.poems),
        ]:
            with self.subTest(q=q):
                self.assertEqual(search.search(q).names[0].condition, condition)
        lou = search.search("lou gerig").names[0]
        self.assertEqual(
            (lou.name, lou.matched, lou.url),
            (
                "Amyotrophic lateral sclerosis",
                "Lou Gehrig disease",
                "/conditions/catalogue/gard/5786/",
            ),
        )

    def test_words_that_only_share_a_common_word_are_not_a_match(self):
        self.assertEqual(search.search("zorbitol syndrome").names, [])

    def test_the_block_runs_as_many_queries_whatever_it_finds(self):
        def count(q: str) -> int:
            self.search(q)  # the content version, read once into the cache
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.search(q).status_code, 200)
            return len(queries)

        few = count("crow fukase")
        for n in range(4):
            self.reviewed(
                make_condition(synonyms=f"Crow–Fukase variant {n}"), "ORPHA", "666"
            )
        self.assertEqual(len(search.search("crow fukase").names), 5)
        self.assertEqual(count("crow fukase"), few)

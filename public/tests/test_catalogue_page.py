"""The plain page of a condition nobody has reviewed
(/conditions/catalogue/<source>/<code>/): the source's name, its codes with
their exact systems and release, other names and the sources' attribution;
no medical claim, not for search engines; a 301 to the condition once a
published condition carries the code; 404 for what is not a current code."""

from dataclasses import replace

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from answers import services
from answers.models import TerminologyRelease
from answers.terminology.loading import load
from answers.terminology.sources import SOURCES
from devdata.personas import (
    PersonasTestCase,
    add_code,
    approve_facts,
    draft,
    make_poems,
    publish,
)
from devdata.terminology import load_sample, sample_data


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


class CataloguePageTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.poems = make_poems()
        add_code(cls.poems, "ORPHA", "2905")
        approve_facts(cls.poems)
        cls.answer = draft(cls.writer, cls.poems, text="What is POEMS syndrome?")
        publish(cls.answer, writer=cls.writer, reviewer=cls.reviewer)
        cls.releases = {
            release.source.key: release.version
            for release in TerminologyRelease.objects.filter(
                is_current=True
            ).select_related("source")
        }

    def test_it_names_the_condition_with_its_codes_other_names_and_sources(self):
        response = self.client.get("/conditions/catalogue/gard/12656/")

        self.assertEqual(response.status_code, 200)
        main = soup_of(response).find("main")
        self.assertEqual(main.h1.get_text(), "Castleman disease")
        text = main.get_text(" ", strip=True)
        self.assertIn("We have no reviewed answers about this condition yet.", text)
        # GARD and Orphanet spell it alike: one page with both codes, each
        # with its exact system and the release it comes from.
        codes = {
            (li["data-system"], li["data-code"]): li.get_text(" ", strip=True)
            for li in main.select(".condition-code")
        }
        self.assertEqual(list(codes), [("GARD", "12656"), ("ORPHA", "160")])
        self.assertIn(f"GARD release {self.releases['gard']}", codes["GARD", "12656"])
        self.assertIn(
            f"ORPHA release {self.releases['orphanet']}", codes["ORPHA", "160"]
        )
        self.assertEqual(
            main.select_one('[data-code="160"] a')["href"],
            "https://www.orpha.net/en/disease/detail/160",
        )
        self.assertEqual(
            [li.get_text() for li in main.select(".other-names li")],
            [
                "Angiofollicular ganglionic hyperplasia",
                "Angiofollicular lymph hyperplasia",
            ],
        )
        sources = {
            li["data-system"]: li.get_text(" ", strip=True)
            for li in main.select(".code-source")
        }
        self.assertIn(SOURCES["gard"].attribution, sources["GARD"])
        self.assertIn(SOURCES["orphanet"].attribution, sources["ORPHA"])
        self.assertIn("CC BY 4.0", sources["ORPHA"])

    def test_every_code_of_the_entry_leads_to_the_same_page(self):
        gard = self.client.get("/conditions/catalogue/gard/12656/")
        orpha = self.client.get("/conditions/catalogue/orphanet/160/")
        self.assertEqual(orpha.status_code, 200)
        self.assertEqual(
            soup_of(orpha).find("main").get_text(),
            soup_of(gard).find("main").get_text(),
        )

    def test_it_makes_no_medical_claim_and_asks_not_to_be_indexed(self):
        for path in [
            "/conditions/catalogue/gard/12656/",
            "/conditions/catalogue/orphanet/43393/",
        ]:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertNotIn(
                    "medically reviewed", response.content.decode().lower()
                )
                self.assertEqual(response["X-Robots-Tag"], "noindex")
                robots = soup_of(response).find("meta", attrs={"name": "robots"})
                self.assertEqual(robots["content"], "noindex")
                main = soup_of(response).find("main")
                self.assertFalse(main.select("time, .summary, .disclaimer"))

    def test_a_code_a_published_condition_carries_leads_to_the_condition(self):
        for path in [
            "/conditions/catalogue/orphanet/2905/",
            # GARD spells POEMS syndrome as Orphanet does: the same condition.
            "/conditions/catalogue/gard/7411/",
        ]:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertEqual(response.status_code, 301)
                self.assertEqual(response["Location"], "/conditions/poems-syndrome/")

    def test_once_the_condition_is_unpublished_the_plain_page_is_back(self):
        services.unpublish(item=self.answer, user=self.reviewer, reason="Outdated.")

        response = self.client.get("/conditions/catalogue/orphanet/2905/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(soup_of(response).h1.get_text(), "POEMS syndrome")

    def test_what_is_not_a_current_condition_code_is_not_found(self):
        for path in [
            "/conditions/catalogue/gard/99999999/",
            "/conditions/catalogue/nosuchsource/7411/",
            # Sources that do not list conditions have no plain pages.
            "/conditions/catalogue/hpo/HP:0000508/",
            "/conditions/catalogue/icd10cm/D47.Z2/",
        ]:
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)

    def test_a_retired_code_is_not_found_and_says_why(self):
        data = sample_data("gard", ["12656", "1017", "7411", "6233", "7122"])
        load(SOURCES["gard"], replace(data, version="next", digest="next"))

        response = self.client.get("/conditions/catalogue/gard/5786/")

        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["X-Robots-Tag"], "noindex")
        self.assertIn(
            "GARD no longer lists GARD:5786 (Amyotrophic lateral sclerosis)",
            soup_of(response).find("main").get_text(" ", strip=True),
        )

    def test_a_replaced_code_leads_to_its_replacement(self):
        data = sample_data("gard", ["12656", "1017", "5786"])
        concepts = [
            replace(concept, status="replaced", replaced_by="12656")
            if concept.code == "1017"
            else concept
            for concept in data.concepts
        ]
        load(
            SOURCES["gard"],
            replace(data, version="next", digest="next", concepts=concepts),
        )

        response = self.client.get("/conditions/catalogue/gard/1017/")

        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/conditions/catalogue/gard/12656/")

    def test_plain_pages_are_not_in_the_sitemap(self):
        sitemap = self.client.get("/sitemap.xml").content.decode()
        self.assertIn("/conditions/poems-syndrome/", sitemap)
        self.assertNotIn("/conditions/catalogue/", sitemap)

    def test_a_page_runs_as_many_queries_however_many_codes_it_shows(self):
        def count(path: str) -> int:
            self.client.get("/")  # the content version, read once into the cache
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(path).status_code, 200)
            return len(queries)

        # Two concepts with two other names, and one concept with none.
        self.assertEqual(
            count("/conditions/catalogue/gard/12656/?a"),
            count("/conditions/catalogue/orphanet/43393/?b"),
        )

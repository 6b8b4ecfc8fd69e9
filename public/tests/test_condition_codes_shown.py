"""Invariant 6 on the public pages: each code shown is labelled with its exact
system, shows the source's name for it and the release it was checked
against, links to the source's page where there is one, and comes with the
attribution its source asks for; JSON-LD gives it as a schema.org MedicalCode
(codeValue, codingSystem). A code an older revision stored unchecked is never
shown. The reviewer's preview renders the same. On real data."""

import json

from bs4 import BeautifulSoup
from django.urls import reverse

from answers.models import ConditionRevision
from answers.publication import public_content_changed
from answers.terminology.codes import check_code
from devdata.personas import (
    PersonasTestCase,
    add_code,
    approve_facts,
    draft,
    make_poems,
    publish,
)


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def codes_shown(soup: BeautifulSoup) -> list[str]:
    return [" ".join(li.get_text(" ").split()) for li in soup.select(".condition-code")]


def json_ld_codes(soup: BeautifulSoup) -> list[dict]:
    data = json.loads(soup.find("script", type="application/ld+json").string)
    graph = data["@graph"]
    condition = next(
        node.get("about", node)
        for node in graph
        if node["@type"] in {"MedicalCondition", "MedicalWebPage"}
    )
    return condition.get("code", [])


class CodesShownTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        for system, code in [
            ("ORPHA", "2905"),
            ("GARD", "7411"),
            ("ICD-10-CM", "D47.Z9"),
        ]:
            add_code(cls.condition, system, code)
        cls.facts = approve_facts(cls.condition)
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.releases = {
            system: check_code(system, code).release.version
            for system, code in [
                ("ORPHA", "2905"),
                ("GARD", "7411"),
                ("ICD-10-CM", "D47.Z9"),
            ]
        }

    def expected(self) -> list[str]:
        r = self.releases
        return [
            f"GARD 7411 : POEMS syndrome (checked against GARD release {r['GARD']})",
            "ICD-10-CM D47.Z9 : Other specified neoplasms of uncertain behavior of "
            "lymphoid, hematopoietic and related tissue (checked against ICD-10-CM "
            f"release {r['ICD-10-CM']})",
            f"ORPHA 2905 : POEMS syndrome (checked against ORPHA release {r['ORPHA']})",
        ]

    def assert_codes_and_sources(self, soup: BeautifulSoup) -> None:
        self.assertEqual(codes_shown(soup), self.expected())
        links = {a.get_text(): a["href"] for a in soup.select(".condition-code a")}
        # Only Orphanet has a page per code.
        self.assertEqual(
            links, {"2905": "https://www.orpha.net/en/disease/detail/2905"}
        )
        sources = [s["data-system"] for s in soup.select(".code-source")]
        self.assertEqual(sources, ["GARD", "ICD-10-CM", "ORPHA"])
        note = soup.select_one(".code-sources").get_text(" ")
        self.assertIn("Sources of names and codes:", note)
        self.assertIn("Genetic and Rare Diseases Information Center (GARD)", note)
        self.assertIn("National Center for Health Statistics", note)
        self.assertIn("© INSERM 1999", note)
        self.assertEqual(
            json_ld_codes(soup),
            [
                {"@type": "MedicalCode", "codeValue": "7411", "codingSystem": "GARD"},
                {
                    "@type": "MedicalCode",
                    "codeValue": "D47.Z9",
                    "codingSystem": "ICD-10-CM",
                },
                {"@type": "MedicalCode", "codeValue": "2905", "codingSystem": "ORPHA"},
            ],
        )

    def test_the_condition_page_shows_each_code_with_its_name_and_release(self):
        soup = soup_of(self.client.get(self.condition.get_absolute_url()))

        self.assert_codes_and_sources(soup)

    def test_the_answer_page_shows_them_the_same_way(self):
        soup = soup_of(self.client.get(self.question.get_absolute_url()))

        self.assertEqual(
            soup.select_one(".about-condition").find("h2").get_text(),
            "About POEMS syndrome",
        )
        self.assert_codes_and_sources(soup)

    def test_the_reviewers_preview_shows_what_readers_will_get(self):
        self.client.force_login(self.reviewer)

        soup = soup_of(
            self.client.get(
                reverse("public:preview_condition", args=[self.condition.pk])
            )
        )

        self.assertEqual(codes_shown(soup), self.expected())

    def test_codes_stored_unchecked_by_older_revisions_are_not_shown(self):
        ConditionRevision.objects.filter(pk=self.facts.pk).update(
            codes=[
                {"system": "ICD-10", "code": "D47.Z2"},
                {"system": "ORPHA", "code": "2905"},
            ]
        )
        # As if approved so, long ago: pages stored since are stale.
        public_content_changed(conditions=[self.condition])

        for url in (
            self.condition.get_absolute_url(),
            self.question.get_absolute_url(),
        ):
            with self.subTest(url=url):
                soup = soup_of(self.client.get(url))
                self.assertEqual(codes_shown(soup), [])
                self.assertEqual(json_ld_codes(soup), [])
                self.assertIsNone(soup.select_one(".code-sources"))
                self.assertNotIn("D47.Z2", soup.get_text())

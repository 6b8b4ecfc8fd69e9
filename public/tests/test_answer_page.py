"""The public answer page: the seed page, done right."""

import json
from datetime import timedelta

from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from answers import services
from answers.versions import known_version
from devdata.personas import (
    PersonasTestCase,
    add_code,
    add_facts,
    draft,
    edit,
    make_poems,
    publish,
)

BODY = """## Why do people think it spreads?

Because tiredness and skin changes can look like an infection.

## What should family know?

Care and close contact are safe:

- hugging
- sharing meals
"""


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def json_ld(soup: BeautifulSoup) -> dict:
    scripts = soup.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


class AnswerPageTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = add_facts(
            make_poems(),
            groups=[
                {
                    "category": "Mandatory major criteria",
                    "count_rule": "Both are required",
                    "items": "Polyneuropathy\nMonoclonal plasma cell disorder",
                }
            ],
            source="Dispenzieri A. Am J Hematol. 2021",
            version="2021 update",
        )
        # In the draft only: readers see the approved ORPHA:2905 alone.
        add_code(cls.condition, "GARD", "7411")
        cls.long_ago = timezone.now() - timedelta(days=100)
        cls.question = draft(
            cls.writer,
            cls.condition,
            text="Is POEMS syndrome contagious?",
            slug="is-it-contagious",
            body=BODY,
            show_criteria=True,
            references=[
                {
                    "citation": "Dispenzieri A. POEMS syndrome: 2021 update.",
                    "doi": "10.1002/ajh.26240",
                },
                {
                    "citation": "Orphanet. POEMS syndrome.",
                    "url": "https://www.orpha.net/en/disease/detail/2905",
                    "pmid": "36340912",
                },
            ],
            at=cls.long_ago,
        )
        cls.revision = publish(
            cls.question, writer=cls.writer, reviewer=cls.reviewer, at=cls.long_ago
        )
        cls.other = draft(
            cls.writer, cls.condition, text="How is it treated?", topic="treatment"
        )
        publish(cls.other, writer=cls.writer, reviewer=cls.second_reviewer)
        cls.url = "/conditions/poems-syndrome/is-it-contagious/"

    def get(self) -> BeautifulSoup:
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return page_of(response)

    def test_the_header_line_heading_and_short_answer_once(self):
        soup = self.get()
        updated = timezone.localdate(self.long_ago).isoformat()
        header = soup.select_one(".answer-kind").get_text(" ", strip=True)
        self.assertEqual(
            header,
            f"Short answer · Medically reviewed summary · Last updated {updated}",
        )
        self.assertEqual(soup.h1.get_text(strip=True), "Is POEMS syndrome contagious?")
        self.assertEqual(len(soup.find_all("h1")), 1)
        visible = soup.find("main").get_text(" ", strip=True)
        self.assertEqual(visible.count(self.revision.short_answer), 1)

    def test_reviewer_and_dates(self):
        soup = self.get()
        reviewed = timezone.localdate(self.long_ago)
        link = soup.select_one(".review-box a.reviewer-link")
        self.assertEqual(link.get_text(), "Dr Rita Osei, MBChB, FRCP (Haematology)")
        self.assertEqual(link["href"], "/reviewers/rita/")
        self.assertIn(
            f"on {reviewed:%Y-%m-%d}", soup.select_one(".review-box p").get_text()
        )
        self.assertEqual(
            soup.select_one("#last-reviewed").get_text(), f"{reviewed:%Y-%m-%d}"
        )
        self.assertEqual(
            soup.select_one("#last-updated").get_text(), f"{reviewed:%Y-%m-%d}"
        )
        self.assertEqual(
            soup.select_one("#next-review").get_text(),
            f"{reviewed + timedelta(days=365):%Y-%m-%d}",
        )
        self.assertIsNone(soup.select_one("#overdue"))

    def test_an_overdue_answer_says_so(self):
        question = draft(self.writer, self.condition, slug="old")
        at = timezone.now() - timedelta(days=400)
        publish(question, writer=self.writer, reviewer=self.reviewer, at=at)
        due = timezone.localdate(at) + timedelta(days=365)
        soup = page_of(self.client.get(question.get_absolute_url()))
        self.assertIn(
            f"Review overdue since {due:%Y-%m-%d}",
            soup.select_one("#overdue").get_text(),
        )

    def test_body_criteria_and_numbered_references(self):
        soup = self.get()
        body = soup.select_one(".answer-body")
        self.assertEqual(
            [h.get_text() for h in body.find_all("h2")],
            ["Why do people think it spreads?", "What should family know?"],
        )
        self.assertEqual(
            [li.get_text() for li in body.find_all("li")], ["hugging", "sharing meals"]
        )
        criteria = soup.select_one("section.criteria")
        self.assertEqual(
            criteria.h3.get_text(), "Diagnostic criteria for POEMS syndrome"
        )
        self.assertEqual(criteria.h4.get_text(), "Mandatory major criteria")
        self.assertEqual(
            criteria.select_one(".criteria-count").get_text(), "Both are required"
        )
        self.assertEqual(
            [li.get_text() for li in criteria.find_all("li")],
            ["Polyneuropathy", "Monoclonal plasma cell disorder"],
        )
        self.assertIn(
            "Dispenzieri A. Am J Hematol. 2021 (2021 update)", criteria.get_text()
        )
        references = soup.select("ol.references > li")
        self.assertEqual(len(references), 2)
        self.assertIn(
            "https://doi.org/10.1002/ajh.26240",
            [a["href"] for a in references[0].find_all("a")],
        )
        self.assertIn(
            "https://pubmed.ncbi.nlm.nih.gov/36340912/",
            [a["href"] for a in references[1].find_all("a")],
        )

    def test_other_questions_and_the_one_disclaimer(self):
        soup = self.get()
        others = soup.select_one("section.others")
        self.assertEqual(
            [a.get_text() for a in others.find_all("a")], ["How is it treated?"]
        )
        self.assertEqual(len(soup.select("aside.disclaimer")), 1)
        # The community block is real, not a placeholder: it counts actual posts.
        self.assertIn(
            "No one has shared an experience on this question yet.",
            soup.select_one("#question-sharers").get_text(),
        )

    def test_title_description_canonical_and_open_graph(self):
        soup = self.get()
        self.assertEqual(
            soup.title.get_text(),
            "Is POEMS syndrome contagious? · POEMS syndrome · DiseaseMaps",
        )
        description = soup.find("meta", attrs={"name": "description"})["content"]
        self.assertTrue(self.revision.short_answer.startswith(description.rstrip("…")))
        canonical = soup.find("link", rel="canonical")["href"]
        self.assertEqual(canonical, "http://127.0.0.1:8000" + self.url)
        og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
        self.assertEqual(og["og:title"], "Is POEMS syndrome contagious?")
        self.assertEqual(og["og:url"], canonical)
        self.assertEqual(og["og:type"], "article")

    def test_json_ld_parses_and_matches_the_visible_page(self):
        soup = self.get()
        graph = {item["@type"]: item for item in json_ld(soup)["@graph"]}
        page = graph["MedicalWebPage"]

        self.assertEqual(page["name"], soup.h1.get_text(strip=True))
        self.assertEqual(
            page["description"], soup.select_one(".short-answer").get_text()
        )
        self.assertEqual(
            page["lastReviewed"], soup.select_one("#last-reviewed").get_text()
        )
        self.assertEqual(
            page["dateModified"], soup.select_one("#last-updated").get_text()
        )
        person = page["reviewedBy"]
        self.assertEqual(person["@type"], "Person")
        byline = soup.select_one("a.reviewer-link").get_text()
        self.assertEqual(
            f"{person['name']}, {person['honorificSuffix']} ({person['knowsAbout']})",
            byline,
        )
        self.assertTrue(
            person["url"].endswith(soup.select_one("a.reviewer-link")["href"])
        )
        about = page["about"]
        self.assertEqual(about["@type"], "MedicalCondition")
        self.assertEqual(about["name"], "POEMS syndrome")
        visible_names = [s.get_text() for s in soup.select(".alternate-name")]
        self.assertEqual(about["alternateName"], visible_names)
        self.assertEqual(
            visible_names, ["POEMS", "Crow–Fukase syndrome", "Takatsuki syndrome"]
        )
        visible_codes = sorted(
            (s["data-system"], s["data-code"]) for s in soup.select(".condition-code")
        )
        # schema.org's MedicalCode: codeValue and codingSystem, as shown.
        self.assertEqual(
            sorted((c["codingSystem"], c["codeValue"]) for c in about["code"]),
            visible_codes,
        )
        self.assertEqual(visible_codes, [("ORPHA", "2905")])
        self.assertEqual(
            about["code"],
            [{"@type": "MedicalCode", "codeValue": "2905", "codingSystem": "ORPHA"}],
        )
        crumbs = graph["BreadcrumbList"]["itemListElement"]
        trail = soup.select(".breadcrumb li")
        # The whole visible trail, from Home, each item at its link's address.
        self.assertEqual(
            [c["name"] for c in crumbs], [li.get_text(strip=True) for li in trail]
        )
        self.assertEqual(crumbs[0]["name"], "Home")
        self.assertEqual(
            [c["item"] for c in crumbs],
            [settings.SITE_URL + li.a["href"] for li in trail[:-1]]
            + [settings.SITE_URL + self.url],
        )
        self.assertEqual([c["position"] for c in crumbs], [1, 2, 3, 4])
        self.assertEqual(page["breadcrumb"]["@id"], graph["BreadcrumbList"]["@id"])

    def test_json_ld_cannot_break_out_of_its_script(self):
        question = draft(
            self.writer,
            self.condition,
            slug="tricky",
            text="Is </script><script>alert(1)</script> safe?",
        )
        publish(question, writer=self.writer, reviewer=self.reviewer)
        html = self.client.get(question.get_absolute_url()).content.decode()
        self.assertNotIn("<script>alert(1)", html)
        data = json_ld(BeautifulSoup(html, "html.parser"))
        self.assertEqual(
            data["@graph"][0]["name"], "Is </script><script>alert(1)</script> safe?"
        )

    def test_drafts_never_show(self):
        edit(
            self.question,
            self.writer,
            short_answer="SECRET DRAFT WORDING",
            body="## X\n\nDRAFT BODY",
        )
        services.submit_for_review(item=self.question, user=self.writer)
        never = draft(
            self.writer, self.condition, slug="never", short_answer="NEVER LIVE"
        )
        for url in [self.url, "/conditions/poems-syndrome/", "/", "/reviewers/rita/"]:
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                for secret in ["SECRET DRAFT WORDING", "DRAFT BODY", "NEVER LIVE"]:
                    self.assertNotIn(secret, html)
        self.assertEqual(self.client.get(never.get_absolute_url()).status_code, 404)

    def test_unknown_slugs_are_friendly_404s_and_withdrawn_answers_410(self):
        for url in [
            "/conditions/poems-syndrome/nope/",
            "/conditions/nope/is-it-contagious/",
            "/conditions/nope/",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(
                    response, "We could not find that page", status_code=404
                )
        services.unpublish(item=self.other, user=self.reviewer, reason="Checking")
        gone = self.client.get(self.other.get_absolute_url())
        self.assertEqual(gone.status_code, 410)
        self.assertContains(gone, "withdrawn", status_code=410)
        self.assertContains(gone, 'href="/conditions/poems-syndrome/"', status_code=410)

    def test_the_query_count_does_not_grow_with_questions_or_revisions(self):
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(queries)

        known_version()  # the version hint is in the cache, as on a running site
        before = count()
        for n in range(8):
            other = draft(
                self.writer, self.condition, topic=["causes", "living"][n % 2]
            )
            publish(other, writer=self.writer, reviewer=self.second_reviewer)
            edit(self.question, self.writer, short_answer=f"Draft {n}")
            publish(self.question, writer=self.writer, reviewer=self.second_reviewer)
        add_code(self.condition, "ICD-10-CM", "D47.Z9")
        self.assertEqual(count(), before)
        # Rendered (the content changed in between, so there is no current
        # stored page): the stored page with the content version, the answer, its
        # condition's codes, the other questions, the corrections list (one query
        # however many approvals), the community count and the latest posts;
        # then storing it (in a savepoint: its condition's stamp, made if need
        # be and locked, then the page). Served stored, it is two
        # (answers/tests/test_stored_pages.py).
        self.assertLessEqual(before, 12)

"""Diagnostic criteria on public pages: each approved set with its title, whom
it applies to and its rule, the groups with how many items count, the
source, and the notice that only a doctor can diagnose; criteria lists kept
from before criteria sets still render, as groups without a set title."""

from bs4 import BeautifulSoup
from django.template.loader import render_to_string
from django.test import SimpleTestCase

from devdata.personas import (
    PersonasTestCase,
    add_criteria_set,
    draft,
    make_poems,
    publish,
)

NOTICE = "Only a doctor can diagnose this condition."


def criteria_section(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").select_one("section.criteria")


class CriteriaOnPagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        add_criteria_set(
            cls.condition,
            title="Diagnostic criteria for POEMS syndrome",
            applies_to="Adults only; not for other plasma cell disorders",
            rule="Both mandatory criteria, plus at least one minor criterion.",
            source="Dispenzieri A. Am J Hematol. 2021",
            version="2021 update",
            groups=[
                {
                    "category": "Mandatory major criteria",
                    "count_rule": "Both are required",
                    "items": "Polyneuropathy\nMonoclonal plasma cell disorder",
                },
                {
                    "category": "Minor criteria",
                    "count_rule": "At least one",
                    "items": "Papilledema",
                },
            ],
        )
        publish(cls.condition, writer=cls.writer, reviewer=cls.reviewer)
        cls.question = draft(cls.writer, cls.condition, show_criteria=True)
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def test_the_condition_page_shows_title_applies_to_rule_and_the_notice(self):
        section = criteria_section(self.client.get("/conditions/poems-syndrome/"))

        notice = section.select_one(".criteria-notice").get_text(" ", strip=True)
        self.assertTrue(notice.startswith(NOTICE), notice)
        self.assertIn("not a checklist for diagnosing yourself", notice)
        # The notice comes before any criterion.
        self.assertLess(section.decode().index(NOTICE), section.decode().index("<li>"))
        criteria_set = section.select_one("section.criteria-set")
        self.assertEqual(
            criteria_set.h3.get_text(), "Diagnostic criteria for POEMS syndrome"
        )
        self.assertEqual(
            criteria_set.select_one(".criteria-applies-to").get_text(" ", strip=True),
            "Applies to: Adults only; not for other plasma cell disorders",
        )
        self.assertEqual(
            criteria_set.select_one(".criteria-rule").get_text(" ", strip=True),
            "How the criteria combine: Both mandatory criteria, plus at least one "
            "minor criterion.",
        )
        self.assertEqual(
            [
                (h4.get_text(), h4.find_next_sibling("p").get_text())
                for h4 in criteria_set.find_all("h4")
            ],
            [
                ("Mandatory major criteria", "Both are required"),
                ("Minor criteria", "At least one"),
            ],
        )
        self.assertEqual(
            [li.get_text() for li in criteria_set.find_all("li")],
            ["Polyneuropathy", "Monoclonal plasma cell disorder", "Papilledema"],
        )
        self.assertEqual(
            criteria_set.select_one(".source").get_text(),
            "Source: Dispenzieri A. Am J Hematol. 2021 (2021 update)",
        )

    def test_the_answer_page_shows_the_approved_set_with_the_notice(self):
        section = criteria_section(self.client.get(self.question.get_absolute_url()))

        self.assertIn(NOTICE, section.get_text())
        self.assertEqual(
            section.select_one("section.criteria-set h3").get_text(),
            "Diagnostic criteria for POEMS syndrome",
        )
        self.assertIn(
            "Both mandatory criteria", section.select_one(".criteria-rule").get_text()
        )


class OldCriteriaListsTestCase(SimpleTestCase):
    def test_lists_from_before_criteria_sets_render_as_groups_without_a_title(self):
        # The shape approved revisions held before criteria sets.
        old = {
            "category": "Minor criteria (at least one)",
            "items": ["Papilledema", "Skin changes"],
            "source": "Dispenzieri A. 2019",
            "version": "",
        }

        html = render_to_string("includes/criteria.html", {"criteria": [old]})

        section = BeautifulSoup(html, "html.parser").select_one("section.criteria")
        self.assertIn(NOTICE, section.get_text())
        self.assertIsNone(section.select_one("section.criteria-set"))
        self.assertEqual(section.h3.get_text(), "Minor criteria (at least one)")
        self.assertEqual(
            [li.get_text() for li in section.find_all("li")],
            ["Papilledema", "Skin changes"],
        )
        self.assertEqual(
            section.select_one(".source").get_text(), "Source: Dispenzieri A. 2019"
        )

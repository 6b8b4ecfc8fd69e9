"""The A–Z index knows every catalogue name: reviewed conditions as before,
each of their other names as "X, see Y", and the catalogue's conditions
nobody has reviewed one letter and one page at a time (/conditions/
?catalogue=c&page=2), in a fixed number of queries."""

from unittest import mock

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from answers import services
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
from public import views


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def lines(soup, selector: str) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup.select(f"{selector} li")]


class ConditionIndexTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_sample()
        cls.poems = make_poems()
        add_code(cls.poems, "ORPHA", "2905")
        approve_facts(cls.poems)
        publish(draft(cls.writer, cls.poems), writer=cls.writer, reviewer=cls.reviewer)

    def count(self, url: str) -> int:
        self.client.get("/")  # the content version, read once into the cache
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def test_other_names_of_reviewed_conditions_are_see_entries(self):
        soup = soup_of(self.client.get("/conditions/"))

        see = lines(soup, ".see-list")
        for line in [
            "Crow–Fukase syndrome, see POEMS syndrome",
            "POEMS, see POEMS syndrome",
            "Takatsuki syndrome, see POEMS syndrome",
            # From the catalogue, for the code the condition carries.
            "Osteosclerotic myeloma, see POEMS syndrome",
        ]:
            self.assertIn(line, see)
        # One line per spelling: GARD's "Crow-Fukase syndrome" is the same.
        self.assertNotIn("Crow-Fukase syndrome, see POEMS syndrome", see)
        self.assertEqual(
            {a["href"] for a in soup.select(".see-list a")},
            {"/conditions/poems-syndrome/"},
        )
        section = soup.find(id="letter-O").find_parent("section")
        self.assertIn("Osteosclerotic myeloma", section.get_text())
        self.assertEqual(
            [a.get_text() for a in soup.select(".condition-list a")],
            ["POEMS syndrome"],
        )

    def test_a_draft_other_name_is_not_listed(self):
        self.poems.refresh_from_db()
        self.poems.synonyms += "\nZorbitol syndrome"
        services.save_draft(
            item=self.poems, user=self.writer, expected_version=self.poems.draft_version
        )
        self.assertNotContains(self.client.get("/conditions/"), "Zorbitol")

    def test_catalogue_conditions_are_offered_by_letter(self):
        soup = soup_of(self.client.get("/conditions/"))

        nav = soup.select(".catalogue-nav a")
        self.assertEqual(
            [a.get_text() for a in nav], ["A", "B", "C", "G", "L", "M", "O"]
        )
        self.assertEqual(nav[2]["href"], "/conditions/?catalogue=C")
        # Reviewed conditions are not in the catalogue part.
        self.assertNotIn("P", [a.get_text() for a in nav])

    def test_a_catalogue_letter_lists_its_conditions_and_their_other_names(self):
        response = self.client.get("/conditions/?catalogue=c")
        soup = soup_of(response)

        self.assertEqual(
            lines(soup, ".catalogue-list"),
            [
                "Castleman disease",
                "CF, see Cystic fibrosis",
                "Charcot disease, see Amyotrophic lateral sclerosis",
                "Cystic fibrosis",
            ],
        )
        links = {a.get_text(): a["href"] for a in soup.select(".catalogue-list a")}
        self.assertEqual(
            links["Castleman disease"], "/conditions/catalogue/gard/12656/"
        )
        self.assertEqual(
            links["Amyotrophic lateral sclerosis"], "/conditions/catalogue/gard/5786/"
        )
        self.assertEqual(soup.select_one('[aria-current="page"]').get_text(), "C")
        robots = soup.find("meta", attrs={"name": "robots"})
        self.assertEqual(robots["content"], "noindex")
        self.assertNotContains(response, "POEMS")

    def test_a_catalogue_letter_comes_a_page_at_a_time(self):
        with mock.patch.object(views, "CATALOGUE_PAGE", 3):
            first = soup_of(self.client.get("/conditions/?catalogue=c"))
            second = soup_of(self.client.get("/conditions/?catalogue=c&page=2"))
            junk = soup_of(self.client.get("/conditions/?catalogue=%3Cscript%3E"))

        self.assertEqual(len(lines(first, ".catalogue-list")), 3)
        self.assertEqual(lines(second, ".catalogue-list"), ["Cystic fibrosis"])
        self.assertIn("Page 2 of 2", second.get_text())
        self.assertEqual(
            second.select_one(".pagination a")["href"], "?catalogue=C&page=1"
        )
        # An unknown letter falls back to the first one rather than failing.
        self.assertEqual(junk.select_one('[aria-current="page"]').get_text(), "A")

    def test_the_index_runs_as_many_queries_with_more_conditions(self):
        index = self.count("/conditions/?a")
        catalogue = self.count("/conditions/?catalogue=a")
        for name in ["Castleman disease", "Alport syndrome"]:
            condition = make_condition(
                name=name, slug=name.lower().replace(" ", "-"), synonyms="Other name"
            )
            publish(
                draft(self.writer, condition),
                writer=self.writer,
                reviewer=self.reviewer,
            )

        self.assertEqual(self.count("/conditions/?b"), index)
        self.assertEqual(self.count("/conditions/?catalogue=c&page=1"), catalogue)
        self.assertLessEqual(index, 6)

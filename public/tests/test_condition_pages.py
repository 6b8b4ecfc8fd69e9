"""Condition page, A–Z index, reviewer page, editorial policy and home."""

from datetime import timedelta
from unittest import mock

from bs4 import BeautifulSoup
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import slugify

from answers import services
from answers.terminology.codes import check_code
from answers.versions import known_version
from devdata.personas import (
    PersonasTestCase,
    add_criteria_set,
    add_facts,
    draft,
    make_condition,
    make_poems,
    publish,
)
from public import views


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


class ConditionPageTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = add_facts(
            make_poems(
                prevalence="About 3 in 1,000,000 people",
                summary="A rare condition caused by *abnormal plasma cells*.",
            ),
            groups=[
                {
                    "category": "Minor criteria",
                    "count_rule": "At least one",
                    "items": "Organomegaly\nPapilledema",
                }
            ],
        )
        cls.treatment = draft(
            cls.writer, cls.condition, text="How is it treated?", topic="treatment"
        )
        cls.cause = draft(
            cls.writer, cls.condition, text="Is it contagious?", topic="causes"
        )
        for question in (cls.treatment, cls.cause):
            publish(question, writer=cls.writer, reviewer=cls.reviewer)
        cls.in_review = draft(
            cls.writer, cls.condition, text="Is it inherited?", topic="causes"
        )
        services.submit_for_review(item=cls.in_review, user=cls.writer)

    def test_it_shows_names_codes_prevalence_criteria_and_questions_by_topic(self):
        soup = soup_of(self.client.get("/conditions/poems-syndrome/"))
        main = soup.find("main")
        text = main.get_text(" ", strip=True)

        self.assertEqual(soup.h1.get_text(), "POEMS syndrome")
        self.assertIn("POEMS stands for Polyneuropathy, Organomegaly", text)
        self.assertIn("Crow–Fukase syndrome, Takatsuki syndrome", text)
        self.assertIn("About 3 in 1,000,000 people", text)
        self.assertEqual(main.find("em").get_text(), "abnormal plasma cells")
        # The code's exact system, the code (linked to its source's page), the
        # source's name for it and the release it was checked against.
        release = check_code("ORPHA", "2905").release.version
        (code,) = main.select(".condition-code")
        self.assertEqual(
            " ".join(code.get_text(" ").split()),
            f"ORPHA 2905 : POEMS syndrome (checked against ORPHA release {release})",
        )
        link = code.find("a", string="2905")
        self.assertEqual(link["href"], "https://www.orpha.net/en/disease/detail/2905")
        self.assertIn(
            "Sources of names and codes: Orphanet: an online rare disease and "
            "orphan drug data base. © INSERM 1999.",
            text,
        )
        self.assertEqual(
            [li.get_text() for li in main.select("section.criteria li")],
            ["Organomegaly", "Papilledema"],
        )
        # Topics in reading order (causes before treatment), short answers shown.
        topics = [h.get_text() for h in main.select("section.topic h3")]
        self.assertEqual(topics, ["Causes", "Treatment"])
        self.assertEqual(
            [a.get_text() for a in main.select(".question-list a")],
            ["Is it contagious?", "How is it treated?"],
        )
        self.assertIn(self.cause.live_revision.short_answer, text)
        self.assertIn(f"Reviewed {timezone.localdate():%Y-%m-%d}", text)
        self.assertNotIn("Is it inherited?", text)  # in review, never published
        self.assertEqual(
            main.find("h2", id="questions-heading").get_text(), "2 questions answered"
        )

    def test_plural_forms(self):
        single = make_condition(name="Alström syndrome", slug="alstrom-syndrome")
        publish(draft(self.writer, single), writer=self.writer, reviewer=self.reviewer)

        page = self.client.get("/conditions/alstrom-syndrome/")
        self.assertContains(page, "1 question answered")
        index = (
            soup_of(self.client.get("/conditions/"))
            .find("main")
            .get_text(" ", strip=True)
        )
        self.assertIn("Alström syndrome · 1 answer", index)
        self.assertIn("POEMS syndrome (POEMS) · 2 answers", index)
        home = soup_of(self.client.get("/")).find("main").get_text(" ", strip=True)
        self.assertIn("1 reviewed answer", home)
        self.assertIn("2 reviewed answers", home)

    def test_a_condition_without_live_answers_is_not_public(self):
        make_condition(name="Unfinished disease", slug="unfinished")
        self.assertEqual(self.client.get("/conditions/unfinished/").status_code, 404)
        self.assertNotContains(self.client.get("/conditions/"), "Unfinished disease")

    def test_the_index_is_alphabetical_with_letter_links(self):
        for name in ["Castleman disease", "Alport syndrome"]:
            condition = make_condition(name=name, slug=name.lower().replace(" ", "-"))
            publish(
                draft(self.writer, condition),
                writer=self.writer,
                reviewer=self.reviewer,
            )
        soup = soup_of(self.client.get("/conditions/"))
        self.assertEqual(
            [a.get_text() for a in soup.select(".condition-list a")],
            ["Alport syndrome", "Castleman disease", "POEMS syndrome"],
        )
        # Other names of POEMS syndrome (its own and its codes' catalogue
        # names) are "see" lines under their letters (test_condition_index.py).
        self.assertEqual(
            [a["href"] for a in soup.select(".letter-nav a")],
            ["#letter-A", "#letter-C", "#letter-O", "#letter-P", "#letter-T"],
        )

    def test_a_long_index_shows_one_letter_at_a_time(self):
        for name in ["Castleman disease", "Alport syndrome", "Alström syndrome"]:
            condition = make_condition(name=name, slug=slugify(name))
            publish(
                draft(self.writer, condition),
                writer=self.writer,
                reviewer=self.reviewer,
            )
        with mock.patch.object(views, "INDEX_ALL_LIMIT", 2):
            first = soup_of(self.client.get("/conditions/"))
            chosen = soup_of(self.client.get("/conditions/?letter=c"))
            junk = soup_of(self.client.get("/conditions/?letter=%3Cscript%3E"))
        self.assertEqual(
            [a.get_text() for a in first.select(".condition-list a")],
            ["Alport syndrome", "Alström syndrome"],
        )
        self.assertEqual(
            [a["href"] for a in first.select(".letter-nav a")],
            ["?letter=A", "?letter=C", "?letter=O", "?letter=P", "?letter=T"],
        )
        self.assertEqual(first.select_one('[aria-current="page"]').get_text(), "A")
        self.assertIn("4 conditions with reviewed answers", first.get_text())
        self.assertEqual(
            [a.get_text() for a in chosen.select(".condition-list a")],
            ["Castleman disease"],
        )
        # An unknown letter falls back to the first one rather than failing.
        self.assertEqual(
            [a.get_text() for a in junk.select(".condition-list a")],
            ["Alport syndrome", "Alström syndrome"],
        )

    def test_the_home_page_lists_the_conditions_with_most_answers(self):
        for n, name in enumerate(["Castleman disease", "Alport syndrome"]):
            condition = make_condition(name=name, slug=slugify(name))
            for _ in range(n + 2):
                publish(
                    draft(self.writer, condition),
                    writer=self.writer,
                    reviewer=self.reviewer,
                )
        with mock.patch.object(views, "HOME_CONDITIONS", 2):
            home = soup_of(self.client.get("/"))
        # The two with most answers (3 and 2; POEMS has 2, Castleman 2, by name),
        # listed alphabetically.
        self.assertEqual(
            [a.get_text() for a in home.select(".condition-list a")],
            ["Alport syndrome", "Castleman disease"],
        )

    def test_query_counts_do_not_grow(self):
        urls = ["/conditions/poems-syndrome/", "/conditions/", "/", "/reviewers/rita/"]
        known_version()  # the version hint is in the cache, as on a running site
        before = {url: count_queries(self.client, url) for url in urls}
        for n in range(6):
            question = draft(
                self.writer, self.condition, topic=["about", "living", "outlook"][n % 3]
            )
            publish(question, writer=self.writer, reviewer=self.reviewer)
            other = make_condition()
            add_criteria_set(other)
            publish(
                draft(self.writer, other), writer=self.writer, reviewer=self.reviewer
            )
        after = {url: count_queries(self.client, url) for url in urls}
        self.assertEqual(before, after)
        # Rendered: the stored page with the content version, condition, codes,
        # criteria, questions, community count, latest posts and the map; then
        # storing it (a savepoint, the condition's stamp made and locked, the
        # page). Thirteen at most, however much content; served stored, one.
        self.assertLessEqual(max(after.values()), 13)


class ReviewerAndPolicyPagesTestCase(PersonasTestCase):
    def test_the_reviewer_page_shows_credentials_disclosures_and_reviewed_answers(self):
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        approved = draft(self.writer, condition, text="Approved by Rita?")
        publish(approved, writer=self.writer, reviewer=self.reviewer)
        recertified = draft(self.writer, condition, text="Re-certified by Rita?")
        publish(recertified, writer=self.writer, reviewer=self.second_reviewer)
        services.recertify(item=recertified, user=self.reviewer, coi_confirmed=True)
        elsewhere = draft(self.writer, condition, text="Only Sam?")
        publish(elsewhere, writer=self.writer, reviewer=self.second_reviewer)
        self.reviewer_profile.registration_body = "General Medical Council"
        self.reviewer_profile.save()

        soup = soup_of(self.client.get("/reviewers/rita/"))
        text = soup.find("main").get_text(" ", strip=True)

        self.assertEqual(soup.h1.get_text(), "Dr Rita Osei, MBChB, FRCP")
        self.assertIn("Haematology", text)
        self.assertIn(f"General Medical Council: TEST-{self.reviewer.pk}", text)
        self.assertIn("Speaker fees from Example Pharma (2025).", text)
        self.assertEqual(
            sorted(a.get_text() for a in soup.select(".question-list a")),
            ["Approved by Rita?", "Re-certified by Rita?"],
        )

    def test_a_reviewer_without_disclosures_says_none_declared(self):
        self.assertContains(self.client.get("/reviewers/sam/"), "None declared.")

    @override_settings(DEFAULT_REVIEW_INTERVAL_DAYS=365)
    def test_the_editorial_policy_explains_review_and_dates(self):
        soup = soup_of(self.client.get("/about/editorial-policy/"))
        text = soup.find("main").get_text(" ", strip=True)
        for phrase in [
            "never approves an answer they wrote or edited",
            "365 days after its last review",
            "Last reviewed",
            "Last updated",
            "Next review due",
            "Review overdue",
            "conflict of interest",
        ]:
            with self.subTest(phrase=phrase):
                self.assertIn(phrase, text)

    def test_the_home_page_lists_conditions_and_recent_reviews(self):
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        older = draft(self.writer, condition, text="Older answer?")
        publish(
            older,
            writer=self.writer,
            reviewer=self.reviewer,
            at=timezone.now() - timedelta(days=30),
        )
        newer = draft(self.writer, condition, text="Newer answer?")
        publish(newer, writer=self.writer, reviewer=self.reviewer)
        soup = soup_of(self.client.get("/"))
        self.assertEqual(
            soup.select_one(".condition-list a").get_text(), "POEMS syndrome"
        )
        recent = [a.get_text() for a in soup.select("#recent-heading + ul a")]
        self.assertEqual(recent, ["Newer answer?", "Older answer?"])

    def test_favicon_requests_are_answered(self):
        response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].endswith("favicon.svg"))

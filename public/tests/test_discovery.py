"""Sitemap, robots.txt, the answers feed and condition-page breadcrumbs."""

import json
from datetime import timedelta
from xml.etree import ElementTree

from bs4 import BeautifulSoup
from django.utils import timezone

from answers import services
from devdata.personas import PersonasTestCase, draft, edit, make_condition, publish

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


class DiscoveryTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.updated = timezone.now() - timedelta(days=30)
        self.live = draft(
            self.writer, self.condition, slug="is-it-contagious", at=self.updated
        )
        publish(self.live, writer=self.writer, reviewer=self.reviewer, at=self.updated)
        # A re-certification moves "last reviewed", not the sitemap's lastmod.
        services.recertify(
            item=self.live, user=self.second_reviewer, coi_confirmed=True
        )
        self.in_review = draft(self.writer, self.condition, slug="in-review")
        services.submit_for_review(item=self.in_review, user=self.writer)
        self.withdrawn = draft(self.writer, self.condition, slug="withdrawn")
        publish(self.withdrawn, writer=self.writer, reviewer=self.reviewer)
        services.unpublish(item=self.withdrawn, user=self.reviewer, reason="x")
        edit(self.live, self.writer, short_answer="DRAFT WORDING NOBODY SEES")
        make_condition(name="Draft disease", slug="draft-disease")

    def test_the_sitemap_lists_exactly_what_is_live(self):
        response = self.client.get("/sitemap.xml")
        self.assertEqual(response["Content-Type"], "application/xml")
        root = ElementTree.fromstring(response.content)
        entries = {
            url.find(f"{SITEMAP}loc").text.split("://", 1)[1].split("/", 1)[1]: url
            for url in root.findall(f"{SITEMAP}url")
        }
        self.assertEqual(
            sorted(entries),
            sorted(
                [
                    "",
                    "conditions/",
                    "about/editorial-policy/",
                    "about/corrections/",
                    "conditions/poems-syndrome/is-it-contagious/",
                    "conditions/poems-syndrome/",
                    # Rita approved the live wording, Sam re-certified it:
                    # both reviewer pages list the answer.
                    "reviewers/rita/",
                    "reviewers/sam/",
                ]
            ),
        )
        lastmod = entries["conditions/poems-syndrome/is-it-contagious/"].find(
            f"{SITEMAP}lastmod"
        )
        self.assertEqual(lastmod.text, f"{timezone.localdate(self.updated):%Y-%m-%d}")
        self.assertEqual(
            entries["conditions/poems-syndrome/"].find(f"{SITEMAP}lastmod").text,
            lastmod.text,
        )

    def test_robots_txt_points_to_the_sitemap_and_blocks_no_noindex_page(self):
        response = self.client.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        lines = response.content.decode().splitlines()
        self.assertIn("Disallow: /me/", lines)
        # These say noindex themselves; blocked, crawlers would never read it.
        for path in ["/admin/", "/accounts/", "/search/", "/preview/"]:
            self.assertNotIn(f"Disallow: {path}", lines)
        self.assertIn("Sitemap: http://127.0.0.1:8000/sitemap.xml", lines)

    def test_the_feed_lists_newly_approved_answers_only(self):
        newer = draft(self.writer, self.condition, slug="newer", text="Newer answer?")
        publish(newer, writer=self.writer, reviewer=self.second_reviewer)
        response = self.client.get("/feeds/answers/")
        root = ElementTree.fromstring(response.content)
        self.assertEqual(root.tag, f"{ATOM}feed")
        entries = root.findall(f"{ATOM}entry")
        titles = [e.find(f"{ATOM}title").text for e in entries]
        self.assertEqual(
            titles,
            [
                "Newer answer? (POEMS syndrome)",
                f"{self.live.live_revision.question_text} (POEMS syndrome)",
            ],
        )
        body = response.content.decode()
        self.assertNotIn("DRAFT WORDING", body)
        self.assertNotIn("in-review", body)
        self.assertNotIn("withdrawn", body)
        self.assertIn(
            "Dr Sam Lindqvist",
            entries[0].find(f"{ATOM}author").find(f"{ATOM}name").text,
        )

    def test_control_characters_in_an_answer_do_not_break_the_feed(self):
        # Found by the hostile-input tests: XML 1.0 cannot carry most control
        # characters, and the feed answered 500 for everyone.
        odd = draft(
            self.writer,
            self.condition,
            slug="odd",
            text="Is it\x1b[31m contagious\x0b?",
            short_answer="No.\x01 It is not catching.",
        )
        publish(odd, writer=self.writer, reviewer=self.reviewer)

        response = self.client.get("/feeds/answers/")

        self.assertEqual(response.status_code, 200)
        entry = ElementTree.fromstring(response.content).find(f"{ATOM}entry")
        self.assertEqual(
            entry.find(f"{ATOM}title").text, "Is it[31m contagious? (POEMS syndrome)"
        )
        self.assertEqual(entry.find(f"{ATOM}summary").text, "No. It is not catching.")

    def test_condition_pages_carry_breadcrumb_json_ld_matching_the_page(self):
        soup = BeautifulSoup(
            self.client.get("/conditions/poems-syndrome/").content, "html.parser"
        )
        graph = json.loads(soup.find("script", type="application/ld+json").string)
        condition, data = graph["@graph"]
        self.assertEqual(condition["@type"], "MedicalCondition")
        self.assertEqual(condition["name"], "POEMS syndrome")
        self.assertEqual(data["@type"], "BreadcrumbList")
        visible = [li.get_text(strip=True) for li in soup.select(".breadcrumb li")]
        self.assertEqual([i["name"] for i in data["itemListElement"]], visible)
        self.assertEqual(
            data["itemListElement"][-1]["item"],
            "http://127.0.0.1:8000/conditions/poems-syndrome/",
        )

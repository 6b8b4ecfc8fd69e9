"""A small public site and a crawl of every public page type on it, as an
anonymous reader (and a search engine) gets them: for the tests of what
crawlers read (test_discoverable_pages.py, test_structured_data_vocabulary.py).
"""

import json
from dataclasses import dataclass
from xml.etree import ElementTree

from bs4 import BeautifulSoup
from django.conf import settings

from answers import services
from community.tests.helpers import share_published
from devdata.personas import (
    PersonasTestCase,
    add_facts,
    draft,
    edit,
    make_condition,
    make_poems,
    make_reviewer,
    make_user,
    publish,
)

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass
class Page:
    url: str
    status: int
    headers: dict
    soup: BeautifulSoup

    @property
    def noindex(self) -> bool:
        meta = self.soup.find("meta", attrs={"name": "robots"})
        said = (meta["content"] if meta else "") + self.headers.get("X-Robots-Tag", "")
        return "noindex" in said.lower()

    @property
    def canonical(self) -> str | None:
        links = self.soup.find_all("link", rel="canonical")
        assert len(links) <= 1, (self.url, links)
        return links[0]["href"] if links else None

    def meta(self, key: str) -> list[str]:
        """The content of every <meta property=key> or <meta name=key>."""
        return [
            tag["content"]
            for tag in self.soup.find_all("meta")
            if key in (tag.get("property"), tag.get("name"))
        ]

    def json_ld(self) -> list:
        return [
            json.loads(script.string)
            for script in self.soup.find_all("script", type="application/ld+json")
        ]


class PublicSiteTestCase(PersonasTestCase):
    """POEMS syndrome with approved facts, two live answers (one corrected),
    a published experience; a second condition nobody has shared about; a
    reviewer behind nothing public."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.poems = add_facts(make_poems())
        cls.answer = draft(cls.writer, cls.poems, slug="is-it-contagious")
        publish(cls.answer, writer=cls.writer, reviewer=cls.reviewer)
        edit(
            cls.answer,
            cls.writer,
            short_answer="No. It is not passed on.",
            change_summary="Clearer wording.",
        )
        publish(cls.answer, writer=cls.writer, reviewer=cls.second_reviewer)
        services.recertify(item=cls.answer, user=cls.reviewer, coi_confirmed=True)
        other = draft(cls.writer, cls.poems, slug="how-is-it-treated")
        publish(other, writer=cls.writer, reviewer=cls.reviewer)
        cls.quiet = make_condition(name="Quiet syndrome", slug="quiet-syndrome")
        publish(
            draft(cls.writer, cls.quiet, slug="what-is-it"),
            writer=cls.writer,
            reviewer=cls.reviewer,
        )
        share_published(
            cls.member,
            cls.poems,
            cls.answer,
            moderator=cls.moderator,
        )
        cls.idle = make_reviewer(
            make_user("nora", first_name="Nora"),
            display_name="Dr Nora Idle",
            credentials="MD",
            slug="nora",
        )

    def page_types(self) -> list[str]:
        """One or more addresses of every public page type, with the query
        variants readers and links produce."""
        poems = self.poems.get_absolute_url()
        answer = self.answer.get_absolute_url()
        experiences = f"{poems}experiences/"
        return [
            "/",
            "/?utm_source=newsletter",
            "/conditions/",
            "/conditions/?letter=P",
            poems,
            answer,
            f"{answer}?ref=share",
            f"{answer}feedback/",
            "/about/editorial-policy/",
            "/about/corrections/",
            "/about/corrections/?page=2",
            "/reviewers/rita/",
            "/reviewers/sam/",
            self.idle.get_absolute_url(),
            experiences,
            f"{experiences}?question=is-it-contagious",
            f"{experiences}?question=how-is-it-treated",
            f"{experiences}?page=2",
            f"{self.quiet.get_absolute_url()}experiences/",
            "/search/",
            "/search/?q=poems",
        ]

    def fetch(self, url: str) -> Page:
        response = self.client.get(url)
        return Page(
            url,
            response.status_code,
            dict(response.headers),
            BeautifulSoup(response.content, "html.parser"),
        )

    def sitemap(self) -> list[str]:
        response = self.client.get("/sitemap.xml")
        assert response.status_code == 200
        root = ElementTree.fromstring(response.content)
        return [url.find(f"{SITEMAP}loc").text for url in root.findall(f"{SITEMAP}url")]

    def crawl(self) -> dict[str, Page]:
        """Every page type and every sitemap address, by path."""
        paths = self.page_types() + [
            url.removeprefix(settings.SITE_URL) for url in self.sitemap()
        ]
        return {path: self.fetch(path) for path in dict.fromkeys(paths)}

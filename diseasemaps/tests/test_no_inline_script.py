"""No page runs inline script: the Content-Security-Policy allows scripts
from this site's own files only ('self', no 'unsafe-inline'), so an inline
script would be both a policy violation and a sign of injected markup. The
only inline script elements are JSON-LD, which browsers never execute, and
they must hold valid JSON. Inline `style` attributes are blocked by the
policy too, so public templates have none."""

import json

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client

from community.tests.helpers import share_published
from community.tests.test_member_pages_are_private import crawl
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    publish,
    report_figure,
)


class NoInlineScriptTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        condition = make_condition(
            name="POEMS syndrome",
            slug="poems-syndrome",
            acronym="POEMS",
            acronym_expansion="Polyneuropathy, organomegaly, …",
        )
        question = draft(self.writer, condition, slug="is-it-contagious")
        publish(question, writer=self.writer, reviewer=self.reviewer)
        share_published(self.member, condition, question, moderator=self.moderator)

    def test_no_page_has_inline_script_or_style(self):
        anonymous = crawl(Client(), ["/", "/accounts/login/", "/accounts/signup/"])
        member = Client()
        member.force_login(self.member)
        logged_in = crawl(member, ["/me/", "/"])
        checked = 0
        for who, pages in [("anonymous", anonymous), ("member", logged_in)]:
            for url, response in pages.items():
                if "text/html" not in response.get("Content-Type", ""):
                    continue
                checked += 1
                soup = BeautifulSoup(response.content, "html.parser")
                for script in soup.find_all("script"):
                    if script.get("src"):
                        continue
                    self.assertEqual(
                        script.get("type"), "application/ld+json", (who, url)
                    )
                    json.loads(script.string)
                self.assertEqual(soup.find_all(style=True), [], (who, url))
        self.assertGreaterEqual(checked, 20)
        report_figure(
            "inline script",
            f"none on {checked} pages (anonymous and member), JSON-LD only",
        )

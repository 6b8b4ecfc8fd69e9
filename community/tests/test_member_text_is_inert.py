"""Hostile member text, posted through the real form, renders as harmless text."""

import uuid
from unittest import mock

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse

from community import services
from community.models import Experience
from community.tests.xss_payloads import FILLER, PAYLOADS
from devdata.personas import PersonasTestCase, draft, make_condition, publish

ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "br"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


def post_all(client, condition_slug: str, bodies: list[str]) -> dict[str, str]:
    """Post each body through the form; return refusals (body -> page text)."""
    refused = {}
    url = reverse("community:share", args=[condition_slug])
    for body in bodies:
        response = client.post(
            url,
            {
                "relation": "lives_with",
                "body": body,
                "submission_key": str(uuid.uuid4()),
                "confirm_identifying": "on",
                "post": "1",
            },
        )
        if response.status_code != 302:
            refused[body] = response.content.decode()
    return refused


def assert_inert(testcase, soup: BeautifulSoup) -> None:
    """No script, no handler, no dangerous URL anywhere on the page; member
    text uses only the allowed tags."""
    scripts = [
        s for s in soup.find_all("script") if s.get("type") != "application/ld+json"
    ]
    testcase.assertEqual(scripts, [])
    testcase.assertEqual(soup.find_all(["iframe", "object", "embed"]), [])
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            testcase.assertFalse(attribute.lower().startswith("on"), str(element)[:120])
            if attribute in {"href", "src", "action", "formaction", "srcdoc"}:
                text = "".join(value) if isinstance(value, list) else value
                testcase.assertFalse(
                    text.strip().lower().startswith(DANGEROUS_SCHEMES),
                    str(element)[:120],
                )
    for body in soup.select(".experience-body"):
        tags = {element.name for element in body.find_all(True)}
        testcase.assertLessEqual(tags, ALLOWED_TAGS, str(body)[:200])


class MemberTextTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def setUp(self) -> None:
        cache.clear()
        self.client.force_login(self.member)

    @mock.patch.object(services.posts, "POST_LIMIT", (1000, 3600))
    def test_at_least_a_hundred_payloads_render_inert(self):
        self.assertGreaterEqual(len(PAYLOADS), 100)
        bodies = [payload + FILLER for payload in PAYLOADS]

        refused = post_all(self.client, "poems-syndrome", bodies)

        # Only text no database can store is refused, with a clear field error.
        for body, page in refused.items():
            self.assertIn("\x00", body)
            self.assertIn("Null characters are not allowed", page)
        self.assertEqual(Experience.objects.count(), len(bodies) - len(refused))
        for experience in Experience.objects.all():
            services.approve_experience(user=self.moderator, experience=experience)

        list_url = reverse("community:experiences", args=["poems-syndrome"])
        pages = (Experience.objects.count() + 9) // 10
        seen = 0
        for number in range(1, pages + 1):
            soup = BeautifulSoup(
                self.client.get(f"{list_url}?page={number}").content, "html.parser"
            )
            assert_inert(self, soup)
            seen += len(soup.select(".experience"))
        self.assertEqual(seen, Experience.objects.count())
        for url in [
            self.question.get_absolute_url(),
            self.condition.get_absolute_url(),
            reverse("community:me"),
        ]:
            with self.subTest(url=url):
                assert_inert(
                    self, BeautifulSoup(self.client.get(url).content, "html.parser")
                )

    def test_the_text_is_kept_visible_not_silently_dropped(self):
        body = "<b>bold?</b> and <script>alert(1)</script> in my story" + FILLER
        post_all(self.client, "poems-syndrome", [body])
        experience = Experience.objects.get()
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", experience.body_html)
        self.assertIn("&lt;b&gt;bold?&lt;/b&gt;", experience.body_html)

    def test_markdown_still_works(self):
        body = (
            "Some *good* days and **hard** ones.\n\n"
            "- tired mornings\n- better evenings\n\nThe end."
        )
        post_all(self.client, "poems-syndrome", [body])
        html = Experience.objects.get().body_html
        soup = BeautifulSoup(html, "html.parser")
        self.assertEqual(soup.em.get_text(), "good")
        self.assertEqual(soup.strong.get_text(), "hard")
        self.assertEqual(
            [li.get_text() for li in soup.find_all("li")],
            ["tired mornings", "better evenings"],
        )
        self.assertEqual(len(soup.find_all("p")), 2)

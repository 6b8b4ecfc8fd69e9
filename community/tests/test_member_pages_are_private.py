"""Every page a logged-in member can open is marked private: no shared cache
or CDN may keep a copy of a page that names them or shows their posts.

The test walks the site as a member, following every same-site link from
their own page, the public pages and the account pages, and checks every
response it gets, whatever its status.
"""

import gzip
from collections import deque
from urllib.parse import urldefrag, urlsplit

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse

from community import services
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    publish,
    report_figure,
)

# Links the walk does not follow: other people's consoles and static files.
SKIP = ("/admin/", "/static/", "/accounts/logout/")
MAX_PAGES = 250


def body(response) -> bytes:
    """The response's content, decompressed if it was sent gzipped."""
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


def crawl(client, start: list[str], skip=SKIP) -> dict:
    """Every page reachable by same-site links from `start`: url → response."""
    seen: dict = {}
    queue = deque(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in BeautifulSoup(body(response), "html.parser").find_all(
            "a", href=True
        ):
            target = urldefrag(link["href"])[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/"):
                continue
            if target.startswith(skip) or target in seen:
                continue
            queue.append(target)
    return seen


def private(cache_control: str) -> bool:
    words = {word.strip().split("=")[0] for word in cache_control.lower().split(",")}
    return ("private" in words or "no-store" in words) and "public" not in words


class MemberPagesArePrivateTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(self.writer, condition, slug="is-it-contagious")
        publish(question, writer=self.writer, reviewer=self.reviewer)
        mine = share_published(
            self.member, condition, question, moderator=self.moderator
        )
        services.edit_experience(
            user=self.member, experience=mine, body="An edit waiting " * 3
        )
        share(self.member, condition)
        self.theirs = share_published(
            self.other_member, condition, moderator=self.moderator
        )
        self.client.force_login(self.member)
        self.start = [
            reverse("community:me"),
            "/",
            reverse("community:share", args=["poems-syndrome"]),
            reverse("community:report", args=[self.theirs.pk]),
            reverse("community:withdraw_consent"),
            reverse("community:delete_account"),
            reverse("community:export"),
            reverse("account_email"),
            reverse("account_change_password"),
            reverse("account_logout"),
            "/search/?q=poems",
            "/no-such-page/",
        ]

    def test_every_page_a_member_can_open_is_private(self):
        seen = {
            url: (response.status_code, response.get("Cache-Control", ""))
            for url, response in crawl(self.client, self.start).items()
        }

        not_private = {
            url: value for url, (_, value) in seen.items() if not private(value)
        }
        self.assertEqual(not_private, {})
        statuses = sorted({status for status, _ in seen.values()})
        self.assertGreaterEqual(len(seen), 25, sorted(seen))
        # The walk reached the member's own pages, the public pages and allauth.
        for expected in [
            "/me/",
            "/conditions/poems-syndrome/",
            "/conditions/poems-syndrome/is-it-contagious/",
            "/conditions/poems-syndrome/experiences/",
            "/reviewers/rita/",
            "/accounts/email/",
        ]:
            self.assertIn(expected, seen)
        self.assertTrue(any(url.startswith("/me/posts/") for url in seen))
        report_figure(
            "member pages",
            f"Cache-Control private or no-store on all {len(seen)} pages a "
            f"logged-in member reached (statuses {statuses})",
        )

"""Where no one has shared an experience yet, the community block invites the
first one (a link to the share page) instead of linking "0 people…" to an
empty list. From one person on, the exact count is back."""

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse

from community.tests.helpers import share, share_published
from devdata.personas import PersonasTestCase, draft, make_condition, publish


def community_block(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser").select_one(
        "section.community"
    )


def words(element) -> str:
    return " ".join(element.get_text().split())


class FirstExperienceInvitationTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.share_url = reverse("community:share", args=["poems-syndrome"])

    def assertInvites(self, block, sharers_id: str, sentence: str, href: str):
        self.assertEqual(words(block.select_one(sharers_id)), sentence)
        # The invitation is the block's only link: none to the empty list.
        links = {words(a): a["href"] for a in block.find_all("a")}
        self.assertEqual(links, {"Be the first to share yours": href})
        self.assertNotIn("0 people", words(block))

    def test_an_answer_nobody_has_shared_on_invites_the_first_post(self):
        # A post waiting for moderation, and one on the condition as a whole,
        # are not shared experiences on this question.
        share(self.member, self.condition, self.question)
        share_published(self.other_member, self.condition, moderator=self.moderator)

        block = community_block(self.client.get(self.question.get_absolute_url()))

        self.assertInvites(
            block,
            "#question-sharers",
            "No one has shared an experience on this question yet.",
            f"{self.share_url}?question=is-it-contagious",
        )

    def test_a_condition_nobody_has_shared_on_invites_the_first_post(self):
        share(self.member, self.condition, self.question)  # pending: not shared

        block = community_block(self.client.get(self.condition.get_absolute_url()))

        self.assertInvites(
            block,
            "#condition-sharers",
            "No one has shared an experience of POEMS syndrome here yet.",
            self.share_url,
        )

    def test_the_first_published_post_brings_back_the_exact_count(self):
        self.client.get(self.question.get_absolute_url())  # stored with no posts
        self.client.get(self.condition.get_absolute_url())

        share_published(
            self.member, self.condition, self.question, moderator=self.moderator
        )

        answer = community_block(self.client.get(self.question.get_absolute_url()))
        self.assertEqual(
            words(answer.select_one("#question-sharers")),
            "1 person with POEMS syndrome has shared their first-person experience "
            "on this question.",
        )
        self.assertNotIn("Be the first", words(answer))
        self.assertEqual(
            [a["href"] for a in answer.find_all("a", string="Share yours")],
            [f"{self.share_url}?question=is-it-contagious"],
        )
        condition = community_block(self.client.get(self.condition.get_absolute_url()))
        self.assertEqual(
            words(condition.select_one("#condition-sharers")),
            "1 person with POEMS syndrome shares their experiences here.",
        )
        self.assertNotIn("Be the first", words(condition))

"""Members-only posts (issue 18) and muting or reporting their author were
built side by side: a member who can read a members-only post can also mute
or report its author from it (both views looked the post up among public
posts only, so they answered 404 under the very post the member read), and
a reader who cannot read it still gets 404 (its existence stays hidden)."""

from django.urls import reverse

from community.models import Member, MemberReport, Mute
from community.tests.helpers import share_published
from devdata.personas import PersonasTestCase, draft, make_member, make_poems, publish


class MembersOnlyAuthorTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.loud = make_member("loud", pseudonym="LoudLarry")
        cls.loud_profile = Member.objects.get(user=cls.loud)
        cls.hidden_post = share_published(
            cls.loud,
            cls.condition,
            cls.question,
            body="Words for members only about my treatment.",
            moderator=cls.moderator,
            audience="members",
        )

    def test_a_member_mutes_the_author_of_a_members_only_post(self):
        self.client.force_login(self.member)
        response = self.client.post(
            reverse("community:mute_author", args=[self.hidden_post.pk]),
            {"action": "mute"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(
            Mute.objects.filter(
                member__user=self.member, muted=self.loud_profile
            ).exists()
        )

    def test_a_member_reports_the_author_of_a_members_only_post(self):
        self.client.force_login(self.member)
        url = reverse("community:report_author", args=[self.hidden_post.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.client.post(url, {"category": "spam", "reason": ""})
        self.assertTrue(MemberReport.objects.filter(member=self.loud_profile).exists())

    def test_a_reader_who_cannot_read_it_gets_404(self):
        url = reverse("community:report_author", args=[self.hidden_post.pk])
        self.client.force_login(self.writer)  # staff without a member profile
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertFalse(Member.objects.filter(user=self.writer).exists())

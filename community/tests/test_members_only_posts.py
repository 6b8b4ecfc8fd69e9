"""Each post chooses its audience (issue 18): everyone, or members only.

Members choose it when they share and when they edit; a members-only post is
read by logged-in members with its author's pseudonym, while anonymous
readers get exact counts: how many people shared in public, and how many more
posts only members can read. Showing fewer people takes effect at once;
showing more people waits for a moderator. (What anonymous readers, stored
pages, caches, search and feeds never get: public/tests/
test_members_only_canary.py.)
"""

import uuid

from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import NotAllowed
from community.models import Audience, Experience, ModerationEvent
from community.tests.helpers import STORY, share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    make_condition,
    make_member,
    publish,
)

SECRET = "Only members should read about the night sweats and the pins and needles."


class MembersOnlyPostsTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.list_url = reverse("community:experiences", args=["poems-syndrome"])
        cls.share_url = reverse("community:share", args=["poems-syndrome"])

    def setUp(self) -> None:
        cache.clear()  # rate limits and kept pages

    def members_only(self, user, **extra) -> Experience:
        return share_published(
            user,
            self.condition,
            moderator=self.moderator,
            body=extra.pop("body", SECRET),
            audience=Audience.MEMBERS,
            **extra,
        )

    # --- Choosing ---------------------------------------------------------------

    def test_the_share_form_offers_both_audiences_in_plain_words(self):
        self.client.force_login(self.member)
        page = self.client.get(self.share_url)
        self.assertContains(page, "Who can read your post?")
        self.assertContains(page, "Everyone: anyone can read it")
        self.assertContains(page, "Members only: only people logged in")
        self.assertContains(page, 'value="public"  id="id_audience_0" checked')

    def test_sharing_for_members_only_through_the_form(self):
        self.client.force_login(self.member)
        response = self.client.post(
            self.share_url,
            {
                "relation": "lives_with",
                "question": "",
                "body": STORY,
                "audience": "members",
                "submission_key": str(uuid.uuid4()),
                "post": "1",
            },
        )
        self.assertRedirects(response, reverse("community:me"))
        post = Experience.objects.get()
        self.assertEqual(post.audience, Audience.MEMBERS)
        self.assertContains(
            self.client.get(reverse("community:me")), "for members only"
        )

    def test_an_unknown_audience_is_refused(self):
        self.client.force_login(self.member)
        page = self.client.post(
            self.share_url,
            {
                "relation": "lives_with",
                "body": STORY,
                "audience": "friends",
                "submission_key": str(uuid.uuid4()),
                "post": "1",
            },
        )
        self.assertContains(page, "Select a valid choice")
        self.assertFalse(Experience.objects.exists())

    # --- Who reads it -------------------------------------------------------------

    def test_members_read_it_with_its_authors_pseudonym_anonymous_readers_do_not(self):
        self.members_only(self.member)
        anonymous = self.client.get(self.list_url)
        self.assertNotContains(anonymous, SECRET)
        self.assertNotContains(anonymous, "SunnyMina")
        self.assertContains(anonymous, "1 more post only members can read.")
        self.assertContains(anonymous, 'name="robots" content="noindex"')

        self.client.force_login(self.other_member)
        member = self.client.get(self.list_url)
        self.assertContains(member, SECRET)
        self.assertContains(member, "SunnyMina")
        self.assertContains(member, "Members only")
        self.assertNotContains(member, "only members can read")

    def test_a_staff_account_without_a_member_profile_is_not_a_member(self):
        self.members_only(self.member)
        self.client.force_login(self.writer)
        self.assertNotContains(self.client.get(self.list_url), SECRET)

    # --- Counts -------------------------------------------------------------------

    def test_counts_stay_exact_for_everyone(self):
        share_published(self.member, self.condition, moderator=self.moderator)
        share_published(
            self.other_member, self.condition, self.question, moderator=self.moderator
        )
        self.members_only(self.member, question=self.question)
        pat = make_member("pat")
        self.members_only(pat)
        self.members_only(pat, body=f"{SECRET} Twice.")
        share(make_member("lee"), self.condition, audience=Audience.MEMBERS)  # pending

        anonymous = self.client.get(self.list_url)
        self.assertContains(anonymous, "2 people with POEMS syndrome share")
        self.assertContains(anonymous, "3 more posts only members can read.")
        condition = self.client.get(self.condition.get_absolute_url())
        self.assertContains(condition, "2 people with POEMS syndrome share")
        self.assertContains(condition, "3 more posts only members can read.")
        answer = self.client.get(self.question.get_absolute_url())
        self.assertContains(answer, "1 person with POEMS syndrome has shared")
        self.assertContains(answer, "1 more post only members can read.")

        self.client.force_login(self.other_member)
        member = self.client.get(self.list_url)
        self.assertContains(member, "3 people with POEMS syndrome share")
        self.assertNotContains(member, "only members can read")

    def test_a_condition_with_only_members_only_posts_says_so(self):
        self.members_only(self.member)
        for url in (self.condition.get_absolute_url(), self.list_url):
            page = self.client.get(url)
            self.assertContains(page, "1 more post only members can read.")
            self.assertNotContains(page, "No one has shared")
            self.assertNotContains(page, "Be the first to share yours")

    def test_the_block_reads_everything_in_one_query(self):
        published = Experience.objects.for_members().filter(condition=self.condition)
        with self.assertNumQueries(1):
            self.assertEqual(published.latest_public_with_counts(3), ([], 0, 0))
        self.members_only(self.member)
        self.members_only(self.other_member)
        with self.assertNumQueries(1):
            self.assertEqual(published.latest_public_with_counts(3), ([], 0, 2))
        public = [
            share_published(
                make_member(f"sharer{n}"), self.condition, moderator=self.moderator
            )
            for n in range(4)
        ]
        with self.assertNumQueries(1):
            latest, sharers, members_only = published.latest_public_with_counts(3)
        self.assertEqual(latest, public[::-1][:3])
        self.assertEqual((sharers, members_only), (4, 2))
        with self.assertNumQueries(1):
            self.assertEqual(published.counts_for(None), (4, 2))

    # --- Changing it --------------------------------------------------------------

    def test_making_a_public_post_members_only_takes_effect_at_once(self):
        post = share_published(
            self.member, self.condition, moderator=self.moderator, body=SECRET
        )
        self.assertContains(self.client.get(self.list_url), SECRET)
        self.client.force_login(self.member)
        response = self.client.post(
            reverse("community:edit", args=[post.pk]),
            {"body": SECRET, "audience": "members"},
        )
        self.assertRedirects(response, reverse("community:me"))
        post.refresh_from_db()
        self.assertEqual((post.audience, post.pending_audience), ("members", ""))
        self.assertFalse(post.has_pending_edit)
        self.client.logout()
        self.assertNotContains(self.client.get(self.list_url), SECRET)

    def test_showing_a_members_only_post_to_everyone_waits_for_a_moderator(self):
        post = self.members_only(self.member)
        self.client.force_login(self.member)
        edit = reverse("community:edit", args=[post.pk])
        self.assertContains(
            self.client.get(edit), 'value="members"  id="id_audience_1" checked'
        )
        response = self.client.post(edit, {"body": SECRET, "audience": "public"})
        self.assertRedirects(response, reverse("community:me"))
        post.refresh_from_db()
        self.assertEqual((post.audience, post.pending_audience), ("members", "public"))
        self.assertContains(
            self.client.get(reverse("community:me")),
            "your edit is waiting for moderation",
        )
        self.client.logout()
        self.assertNotContains(self.client.get(self.list_url), SECRET)

        services.decide_edit(user=self.moderator, experience=post, approve=True)
        post.refresh_from_db()
        self.assertEqual((post.audience, post.pending_audience), ("public", ""))
        self.assertContains(self.client.get(self.list_url), SECRET)
        self.assertTrue(
            post.moderation_events.filter(
                action=ModerationEvent.Action.EDIT_APPROVED
            ).exists()
        )

    def test_a_rejected_widening_keeps_it_for_members(self):
        post = self.members_only(self.member)
        services.edit_experience(
            user=self.member, experience=post, body=SECRET, audience="public"
        )
        services.decide_edit(
            user=self.moderator, experience=post, approve=False, reason="Names a town."
        )
        post.refresh_from_db()
        self.assertEqual((post.audience, post.pending_audience), ("members", ""))
        self.assertNotContains(self.client.get(self.list_url), SECRET)

    def test_narrowing_again_cancels_a_widening_that_waits(self):
        post = self.members_only(self.member)
        services.edit_experience(
            user=self.member, experience=post, body=SECRET, audience="public"
        )
        services.edit_experience(
            user=self.member, experience=post, body=SECRET, audience="members"
        )
        post.refresh_from_db()
        self.assertEqual((post.audience, post.pending_audience), ("members", ""))

    def test_a_pending_post_changes_audience_at_once(self):
        post = share(self.member, self.condition, audience=Audience.MEMBERS)
        services.edit_experience(
            user=self.member, experience=post, body=STORY, audience="public"
        )
        post.refresh_from_db()
        self.assertEqual((post.audience, post.pending_audience), ("public", ""))

    def test_the_moderator_sees_who_it_is_for(self):
        post = self.members_only(self.member)
        services.edit_experience(
            user=self.member, experience=post, body=SECRET, audience="public"
        )
        self.client.force_login(self.moderator)
        page = self.client.get(
            reverse("admin:community_experience_moderate", args=[post.pk])
        )
        self.assertContains(page, "Members only")
        self.assertContains(page, "The author asks to show this post to everyone")
        self.assertContains(page, "Approve the edit")

    # --- Reporting ------------------------------------------------------------------

    def test_only_members_can_report_it(self):
        post = self.members_only(self.member)
        with self.assertRaises(NotAllowed):
            services.report_experience(
                user=self.writer, experience=post, reason="Looks like an advert."
            )
        report = services.report_experience(
            user=self.other_member, experience=post, reason="Looks like an advert."
        )
        self.assertEqual(report.experience, post)

"""Issue 18: a member mutes another member, privately.

The muter no longer sees the muted member's posts (a line says how many are
left out, with a way to show them and to unmute); nobody else's view
changes, the muted member is never told, and nothing a mute changes is ever
kept for anyone else (only logged-in pages filter, and those are never stored).
"""

from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers.models import StoredPage
from community.exceptions import CommunityError, NotAllowed
from community.models import Member, Mute
from community.services import mutes
from community.tests.helpers import share_published
from devdata.personas import (
    PersonasTestCase,
    add_facts,
    draft,
    make_member,
    make_poems,
    publish,
)

LOUD = "Loud words about my treatment that some readers would rather not see."


class MuteTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = add_facts(make_poems())
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)
        cls.loud = make_member("loud", pseudonym="LoudLarry")
        cls.loud_post = share_published(
            cls.loud, cls.condition, cls.question, body=LOUD, moderator=cls.moderator
        )
        cls.calm_post = share_published(
            cls.other_member, cls.condition, cls.question, moderator=cls.moderator
        )
        cls.loud_profile = Member.objects.get(user=cls.loud)

    def setUp(self) -> None:
        cache.clear()
        self.list_url = reverse("community:experiences", args=[self.condition.address])

    def mute(self, user=None, post=None, action="mute", **extra):
        self.client.force_login(user or self.member)
        return self.client.post(
            reverse("community:mute_author", args=[(post or self.loud_post).pk]),
            {"action": action, **extra},
        )

    # --- The service ---------------------------------------------------------

    def test_it_mutes_once_however_often_it_is_asked(self):
        first = mutes.mute_member(user=self.member, member=self.loud_profile)
        again = mutes.mute_member(user=self.member, member=self.loud_profile)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(Mute.objects.count(), 1)

    def test_it_refuses_muting_yourself(self):
        with self.assertRaises(NotAllowed):
            mutes.mute_member(user=self.loud, member=self.loud_profile)
        self.assertFalse(Mute.objects.exists())

    def test_it_refuses_staff_without_a_member_profile(self):
        with self.assertRaises(NotAllowed):
            mutes.mute_member(user=self.writer, member=self.loud_profile)

    def test_a_closed_account_cannot_be_muted(self):
        former = Member.objects.create(pseudonym="former-x", is_former=True)
        with self.assertRaises(CommunityError):
            mutes.mute_member(user=self.member, member=former)

    def test_the_mute_list_is_one_query_per_request(self):
        mutes.mute_member(user=self.member, member=self.loud_profile)
        with self.assertNumQueries(1):
            first = mutes.muted_member_ids(self.member)
            second = mutes.muted_member_ids(self.member)
        self.assertEqual(first, second)
        self.assertEqual(first, {self.loud_profile.pk})

    # --- What the muter sees -------------------------------------------------

    def test_the_muter_no_longer_sees_the_posts_and_is_told_so(self):
        response = self.mute()
        self.assertRedirects(
            response, self.loud_post.get_absolute_url(), fetch_redirect_response=False
        )
        self.assertTrue(
            Mute.objects.filter(
                member__user=self.member, muted=self.loud_profile
            ).exists()
        )
        page = self.client.get(self.list_url)
        self.assertNotContains(page, "Loud words")
        self.assertContains(page, "1 post from a member you muted is hidden.")
        self.assertContains(page, self.calm_post.body)
        # The count is everyone's count: two people shared.
        self.assertEqual(page.context["sharers"], 2)
        # On the answer page's block too.
        answer = self.client.get(self.question.get_absolute_url())
        self.assertNotContains(answer, "Loud words")
        self.assertContains(answer, "1 post from a member you muted is hidden.")

    def test_the_muter_can_show_the_posts_and_unmute_from_them(self):
        self.mute()
        page = self.client.get(self.list_url + "?muted=show")
        self.assertContains(page, "Loud words")
        self.assertContains(page, "from a member you muted")
        self.assertContains(page, "Unmute LoudLarry")
        response = self.mute(action="unmute", next=self.list_url)
        self.assertRedirects(response, self.list_url, fetch_redirect_response=False)
        self.assertFalse(Mute.objects.exists())
        self.assertContains(self.client.get(self.list_url), "Loud words")

    def test_the_muter_unmutes_from_their_page(self):
        self.mute()
        me = self.client.get(reverse("community:me"))
        self.assertContains(me, "Members I muted")
        self.assertContains(me, "LoudLarry")
        mute = Mute.objects.get()
        response = self.client.post(reverse("community:unmute", args=[mute.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Mute.objects.exists())
        self.assertFalse(self.client.get(reverse("community:me")).context["mutes"])

    def test_nobody_unmutes_someone_elses_mute(self):
        self.mute()
        mute = Mute.objects.get()
        self.client.force_login(self.other_member)
        response = self.client.post(reverse("community:unmute", args=[mute.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Mute.objects.filter(pk=mute.pk).exists())

    def test_a_stale_or_repeated_form_does_what_it_says(self):
        self.mute()
        self.mute()  # sent twice
        self.assertEqual(Mute.objects.count(), 1)
        self.mute(action="unmute")
        self.mute(action="unmute")  # an old page's form: still unmuted
        self.assertFalse(Mute.objects.exists())
        self.assertEqual(self.mute(action="toggle").status_code, 400)

    def test_an_offsite_next_is_ignored(self):
        response = self.mute(next="https://evil.example/")
        self.assertRedirects(
            response, self.loud_post.get_absolute_url(), fetch_redirect_response=False
        )

    def test_muting_needs_a_post_and_csrf(self):
        self.client.force_login(self.member)
        url = reverse("community:mute_author", args=[self.loud_post.pk])
        self.assertEqual(self.client.get(url).status_code, 405)
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(self.member)
        self.assertEqual(strict.post(url, {"action": "mute"}).status_code, 403)
        self.assertFalse(Mute.objects.exists())

    def test_muting_yourself_from_your_post_is_refused(self):
        response = self.mute(user=self.loud)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Mute.objects.exists())

    # --- Nobody else is affected ---------------------------------------------

    def test_the_muted_member_is_never_told(self):
        mail.outbox.clear()
        self.mute()
        self.assertEqual(mail.outbox, [])
        self.client.force_login(self.loud)
        me = self.client.get(reverse("community:me"))
        self.assertNotContains(me, "SunnyMina")
        self.assertNotContains(me, "muted you")

    def test_other_members_and_anonymous_readers_still_see_the_posts(self):
        self.mute()
        self.client.force_login(self.other_member)
        page = self.client.get(self.list_url)
        self.assertContains(page, "Loud words")
        self.assertNotContains(page, "you muted")
        self.client.logout()
        page = self.client.get(self.list_url)
        self.assertContains(page, "Loud words")
        self.assertNotContains(page, "you muted")

    def test_a_muters_page_is_never_kept_for_anyone_else(self):
        self.mute()
        StoredPage.objects.all().delete()
        answer_url = self.question.get_absolute_url()
        for url in (self.list_url, answer_url, self.condition.get_absolute_url()):
            response = self.client.get(url)
            self.assertIn("no-store", response["Cache-Control"])
            self.assertIn("private", response["Cache-Control"])
        # The muter's visits stored nothing: the first anonymous reader gets
        # the whole page, rendered for them.
        self.assertFalse(StoredPage.objects.exists())
        self.client.logout()
        for url in (self.list_url, answer_url):
            page = self.client.get(url)
            self.assertContains(page, "Loud words")
            self.assertNotContains(page, "you muted")
        # And once stored for anonymous readers, the stored page never
        # reaches the muter.
        self.mute()
        self.assertNotContains(self.client.get(answer_url), "Loud words")

    # --- Query budget --------------------------------------------------------

    def count(self, user) -> int:
        self.client.force_login(user)
        self.client.get(self.list_url)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.list_url)
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_mutes_cost_one_query_whatever_their_number(self):
        nobody_muted = self.count(self.other_member)
        for n in range(5):
            author = make_member(f"sharer{n}")
            share_published(author, self.condition, moderator=self.moderator)
            mutes.mute_member(user=self.member, member=Member.objects.get(user=author))
        mutes.mute_member(user=self.member, member=self.loud_profile)
        many_muted = self.count(self.member)
        self.assertEqual(many_muted, nobody_muted)

"""Withdrawing consent to health information deletes every post and condition
at once and leaves a bare login, which can give consent again."""

from django.core.cache import cache
from django.urls import reverse

from community import services
from community.exceptions import NotAllowed
from community.models import Experience, Member, MemberCondition, ModerationEvent
from community.tests.account_helpers import reauthenticate
from community.tests.helpers import share, share_published
from devdata.personas import (
    PASSWORD,
    PersonasTestCase,
    draft,
    make_condition,
    publish,
)

WITHDRAW = reverse("community:withdraw_consent")


class WithdrawConsentTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.published = share_published(
            self.member, self.condition, self.question, moderator=self.moderator
        )
        services.edit_experience(
            user=self.member,
            experience=self.published,
            body="An edit of my story that still waits for a moderator.",
        )
        self.pending = share(self.member, self.condition)
        self.theirs = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        services.update_profile(
            member=self.member.member, country="NO", counted_in_map=True
        )
        self.client.force_login(self.member)

    def withdraw(self, **data):
        return self.client.post(
            WITHDRAW, {"understood": "on", "password": PASSWORD, **data}
        )

    def test_my_page_offers_it_and_the_page_says_what_goes(self):
        me = self.client.get(reverse("community:me"))
        self.assertContains(me, WITHDRAW)
        page = self.client.get(WITHDRAW)
        self.assertContains(page, "all your posts (2)")
        self.assertContains(page, "the conditions on your page")
        self.assertContains(page, "Your login, email address and pseudonym stay")

    def test_it_needs_the_box_and_the_password(self):
        page = self.withdraw(understood="", password="not my password")
        self.assertContains(page, "Tick this box to confirm.")
        self.assertContains(page, "That is not your password.")
        self.assertEqual(Experience.objects.filter(author__user=self.member).count(), 2)
        self.assertTrue(Member.objects.get(user=self.member).has_consented)

    def test_it_deletes_every_post_and_condition_and_keeps_a_bare_login(self):
        response = self.withdraw()

        self.assertRedirects(response, reverse("community:me"))
        member = Member.objects.get(user=self.member)
        self.assertFalse(member.has_consented)
        self.assertIsNotNone(member.consent_withdrawn_at)
        self.assertFalse(member.counted_in_map)
        self.assertEqual(member.pseudonym, "SunnyMina")
        self.assertFalse(Experience.objects.filter(author=member).exists())
        self.assertFalse(MemberCondition.objects.filter(member=member).exists())
        # Moderation records stay, by number only; other members' posts stay.
        self.assertTrue(
            ModerationEvent.objects.filter(
                experience_ref=self.published.pk, experience=None
            ).exists()
        )
        self.assertTrue(Experience.objects.filter(pk=self.theirs.pk).exists())
        page = self.client.get(self.question.get_absolute_url())
        self.assertContains(
            page, "No one has shared an experience on this question yet."
        )
        me = self.client.get(reverse("community:me"))
        self.assertContains(me, "You withdrew your consent on")
        self.assertContains(me, "We hold no health information about you")
        self.assertNotContains(me, "Add a condition")

    def test_without_consent_nothing_health_related_can_be_added(self):
        self.withdraw()
        share_url = reverse("community:share", args=["poems-syndrome"])
        response = self.client.get(share_url, follow=True)
        self.assertRedirects(response, reverse("community:me"))
        self.assertContains(response, "You withdrew your consent")
        self.client.post(
            reverse("community:add_condition"),
            {"condition": self.condition.pk, "relation": "family"},
        )
        self.assertFalse(MemberCondition.objects.filter(member__user=self.member))
        with self.assertRaises(NotAllowed):
            share(self.member, self.condition)
        # Reading, reporting and exporting need no health consent.
        services.report_experience(
            user=self.member, experience=self.theirs, reason="Advertising"
        )
        reauthenticate(self.client)
        export = self.client.get(reverse("community:export")).json()
        self.assertIsNone(export["profile"]["health_data_consent_at"])
        self.assertEqual(export["experiences"], [])

    def test_consent_can_be_given_again(self):
        self.withdraw()
        refused = self.client.post(reverse("community:give_consent"), {}, follow=True)
        self.assertContains(refused, "Tick the box to give your consent.")
        self.client.post(reverse("community:give_consent"), {"consent": "on"})
        member = Member.objects.get(user=self.member)
        self.assertTrue(member.has_consented)
        self.assertEqual(share(self.member, self.condition).author, member)

    def test_staff_without_a_member_profile_get_a_404(self):
        self.client.force_login(self.writer)
        self.assertEqual(self.client.get(WITHDRAW).status_code, 404)

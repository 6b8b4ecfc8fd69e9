"""Issue 18: mutes and member reports are in the member's data download, and
go with the account (data rights)."""

from django.core.cache import cache

from community import services
from community.models import (
    Member,
    MemberModerationEvent,
    MemberReport,
    Mute,
)
from community.services import member_reports, mutes
from devdata.personas import PersonasTestCase


class MyDataTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.mina = Member.objects.get(user=self.member)
        self.omar = Member.objects.get(user=self.other_member)

    def test_the_download_has_my_mutes_and_my_member_reports(self):
        mutes.mute_member(user=self.member, member=self.omar)
        member_reports.report_member(
            user=self.member, member=self.omar, category="spam", reason="Adverts."
        )
        data = services.export_member_data(user=self.member)
        self.assertEqual([m["pseudonym"] for m in data["muted_members"]], ["Omar_R"])
        (report,) = data["member_reports_made"]
        self.assertEqual(report["about"], "Omar_R")
        self.assertEqual(report["reason"], "Adverts.")
        self.assertFalse(data["moderation_of_my_account"]["posts_held_for_moderation"])
        # Omar's download says nothing of who muted or reported him.
        theirs = services.export_member_data(user=self.other_member)
        self.assertEqual(theirs["muted_members"], [])
        self.assertNotIn("SunnyMina", str(theirs))
        self.assertNotIn("Adverts.", str(theirs))

    def test_the_download_has_what_moderators_decided_about_me(self):
        member_reports.suspend_posting(
            user=self.moderator, member=self.omar, reason="Selling a cure."
        )
        data = services.export_member_data(user=self.other_member)
        mine = data["moderation_of_my_account"]
        self.assertEqual(mine["posting_suspension_reason"], "Selling a cure.")
        self.assertEqual(mine["decisions"][0]["reason"], "Selling a cure.")
        self.assertNotIn("Mo", [d.get("by") for d in mine["decisions"]])

    def test_deleting_my_account_deletes_my_mutes_and_others_mutes_of_me(self):
        mutes.mute_member(user=self.member, member=self.omar)
        mutes.mute_member(user=self.other_member, member=self.mina)
        services.delete_account(user=self.member, keep_posts=False)
        self.assertFalse(Mute.objects.exists())

    def test_my_member_reports_stay_for_moderators_without_my_words(self):
        member_reports.report_member(
            user=self.member,
            member=self.omar,
            category="harassment",
            reason="He wrote to me about my son.",
        )
        services.delete_account(user=self.member, keep_posts=False)
        report = MemberReport.objects.get()
        self.assertIsNone(report.reporter)
        self.assertNotIn("my son", report.reason)
        self.assertEqual(report.reason, services.REPORT_OF_FORMER_MEMBER)

    def test_reports_about_a_deleted_member_go_and_the_record_stays(self):
        member_reports.report_member(
            user=self.member, member=self.omar, category="spam"
        )
        member_reports.hold_member_posts(
            user=self.moderator, member=self.omar, reason="Adverts."
        )
        services.delete_account(user=self.other_member, keep_posts=False)
        self.assertFalse(MemberReport.objects.exists())
        event = MemberModerationEvent.objects.get()
        self.assertIsNone(event.member)
        self.assertEqual(event.member_ref, self.omar.pk)

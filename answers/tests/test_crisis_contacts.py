"""Issue 18: crisis contacts are reviewed content. A writer drafts one; an
active medical reviewer who did not create or edit that version approves it,
which snapshots it; an edit shows nothing until approved; a reviewer can
withdraw it; a stale review screen approves nothing; every step is recorded.
Through the services and through the admin screens."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from answers import crisis
from answers.exceptions import (
    ChecksFailed,
    FourEyesViolation,
    InvalidTransition,
    NotAllowed,
    StaleDraft,
)
from answers.models import (
    CrisisContact,
    CrisisContactEvent,
    CrisisContactRevision,
    ImmutableRecord,
)
from devdata.personas import (
    PersonasTestCase,
    approve_crisis_contact,
    make_crisis_contact,
    make_reviewer,
)

Action = CrisisContactEvent.Action


def edit_contact(contact: CrisisContact, user, **changes) -> CrisisContact:
    contact = CrisisContact.objects.get(pk=contact.pk)
    for name, value in changes.items():
        setattr(contact, name, value)
    return crisis.save_contact(
        user=user, contact=contact, expected_version=contact.draft_version
    )


class CrisisContactReviewTests(PersonasTestCase):
    def setUp(self) -> None:
        self.contact = make_crisis_contact(self.writer)

    def actions(self) -> list[tuple[str, str, int]]:
        return list(
            self.contact.events.order_by("pk").values_list(
                "action", "actor_name", "draft_version"
            )
        )

    def test_it_records_a_new_contact_as_a_draft_nobody_sees(self):
        self.assertIsNone(self.contact.live_revision)
        self.assertFalse(CrisisContact.objects.published().exists())
        self.assertEqual(self.actions(), [(Action.CREATED, "Wendy Walsh", 1)])

    def test_a_reviewer_approves_a_snapshot_with_their_credentials(self):
        revision = approve_crisis_contact(self.contact, self.reviewer)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.live_revision, revision)
        self.assertEqual(revision.service, "Samaritans")
        self.assertEqual(revision.phone, "116 123")
        self.assertEqual(revision.reviewer_name, "Dr Rita Osei")
        self.assertEqual(revision.reviewer_credentials, "MBChB, FRCP")
        self.assertEqual(revision.draft_version, 1)
        self.assertEqual(self.actions()[-1], (Action.APPROVED, "Rita Osei", 1))
        self.assertEqual(list(CrisisContact.objects.published()), [self.contact])

    def test_it_refuses_approval_by_a_writer(self):
        with self.assertRaises(NotAllowed):
            approve_crisis_contact(self.contact, self.writer)
        self.assertFalse(CrisisContactRevision.objects.exists())
        self.assertEqual(len(self.actions()), 1)

    def test_it_refuses_approval_by_a_moderator_and_an_inactive_reviewer(self):
        with self.assertRaises(NotAllowed):
            approve_crisis_contact(self.contact, self.moderator)
        self.reviewer_profile.active = False
        self.reviewer_profile.save()
        with self.assertRaises(NotAllowed):
            approve_crisis_contact(self.contact, self.reviewer)
        self.assertFalse(CrisisContactRevision.objects.exists())

    def test_it_refuses_approval_by_the_reviewer_who_edited_it(self):
        edit_contact(self.contact, self.reviewer, hours="Every day, 7am to 11pm")
        with self.assertRaises(FourEyesViolation):
            approve_crisis_contact(self.contact, self.reviewer)
        # A superuser is no exception.
        edit_contact(self.contact, self.admin, notes="Free from any phone")
        make_reviewer(self.admin, display_name="Dr Ada", slug="ada")
        with self.assertRaises(FourEyesViolation):
            approve_crisis_contact(self.contact, self.admin)
        self.assertFalse(CrisisContactRevision.objects.exists())
        # Someone who did not touch this version may.
        approve_crisis_contact(self.contact, self.second_reviewer)

    def test_it_refuses_approval_by_the_reviewer_who_created_it(self):
        contact = make_crisis_contact(self.reviewer, country="IE")
        with self.assertRaises(FourEyesViolation):
            approve_crisis_contact(contact, self.reviewer)

    def test_a_stale_review_screen_approves_nothing(self):
        seen = self.contact.draft_version
        edit_contact(self.contact, self.writer, phone="116 999")
        with self.assertRaises(StaleDraft):
            crisis.approve_contact(
                user=self.reviewer, contact=self.contact, expected_version=seen
            )
        self.assertFalse(CrisisContactRevision.objects.exists())

    def test_a_stale_edit_is_refused(self):
        stale = CrisisContact.objects.get(pk=self.contact.pk)
        edit_contact(self.contact, self.writer, phone="116 999")
        stale.phone = "116 000"
        with self.assertRaises(StaleDraft):
            crisis.save_contact(user=self.reviewer, contact=stale, expected_version=1)
        self.assertEqual(CrisisContact.objects.get(pk=self.contact.pk).phone, "116 999")

    def test_an_edit_of_a_live_contact_shows_nothing_until_approved(self):
        approve_crisis_contact(self.contact, self.reviewer)
        edit_contact(self.contact, self.writer, phone="0800 000 000")
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.phone, "0800 000 000")
        self.assertEqual(self.contact.live_revision.phone, "116 123")
        self.assertTrue(self.contact.has_unapproved_changes)
        approve_crisis_contact(self.contact, self.second_reviewer)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.live_revision.phone, "0800 000 000")
        self.assertEqual(self.contact.revisions.count(), 2)

    def test_the_same_version_is_not_approved_twice(self):
        approve_crisis_contact(self.contact, self.reviewer)
        with self.assertRaises(InvalidTransition):
            approve_crisis_contact(self.contact, self.second_reviewer)

    def test_it_refuses_a_contact_with_a_future_check_date(self):
        edit_contact(
            self.contact,
            self.writer,
            last_checked=timezone.localdate() + timedelta(days=3),
        )
        with self.assertRaises(ChecksFailed):
            approve_crisis_contact(self.contact, self.reviewer)

    def test_it_refuses_a_link_that_is_not_a_web_address(self):
        # Written without the admin form, which would refuse it.
        contact = make_crisis_contact(
            self.writer, other_contact="javascript:alert(1)", country="IE"
        )
        with self.assertRaises(ChecksFailed) as refused:
            approve_crisis_contact(contact, self.reviewer)
        self.assertIn("other contact is not a web address", str(refused.exception))
        self.assertFalse(CrisisContactRevision.objects.exists())

    def test_a_reviewer_withdraws_a_live_contact_with_a_reason(self):
        approve_crisis_contact(self.contact, self.reviewer)
        with self.assertRaises(NotAllowed):
            crisis.withdraw_contact(
                user=self.writer, contact=self.contact, reason="Closed."
            )
        with self.assertRaises(InvalidTransition):
            crisis.withdraw_contact(user=self.reviewer, contact=self.contact, reason="")
        crisis.withdraw_contact(
            user=self.second_reviewer, contact=self.contact, reason="Number changed."
        )
        self.contact.refresh_from_db()
        self.assertIsNone(self.contact.live_revision)
        self.assertFalse(CrisisContact.objects.published().exists())
        self.assertEqual(self.contact.revisions.count(), 1)  # history stays
        event = self.contact.events.first()
        self.assertEqual(
            (event.action, event.comment), (Action.WITHDRAWN, "Number changed.")
        )

    def test_moderators_and_members_cannot_edit(self):
        for user in (self.moderator, self.member):
            with self.assertRaises(NotAllowed):
                edit_contact(self.contact, user, phone="1")
        self.assertEqual(CrisisContact.objects.get(pk=self.contact.pk).draft_version, 1)

    def test_the_record_cannot_be_changed_or_deleted(self):
        revision = approve_crisis_contact(self.contact, self.reviewer)
        event = self.contact.events.first()
        for row in (revision, event):
            with self.assertRaises(ImmutableRecord):
                row.save()
            with self.assertRaises(ImmutableRecord):
                row.delete()


class CrisisContactAdminTests(PersonasTestCase):
    def setUp(self) -> None:
        self.contact = make_crisis_contact(self.writer)
        self.review_url = reverse(
            "admin:answers_crisiscontact_review", args=[self.contact.pk]
        )
        self.change_url = reverse(
            "admin:answers_crisiscontact_change", args=[self.contact.pk]
        )

    def form(self, **changes) -> dict:
        data = {
            "country": "GB",
            "service": "Samaritans",
            "phone": "116 123",
            "text_number": "",
            "other_contact": "",
            "hours": "24 hours, every day",
            "notes": "",
            "source_url": "https://www.samaritans.org/",
            "last_checked": "2026-11-01",
            "order": "0",
            "expected_version": str(self.contact.draft_version),
        }
        return {**data, **changes}

    def approve(self, user, version=None):
        self.contact.refresh_from_db()
        self.client.force_login(user)
        return self.client.post(
            self.review_url,
            {
                "action": "approve",
                "approve-expected_version": version or self.contact.draft_version,
                "approve-confirmed": "on",
            },
        )

    def test_a_writer_adds_and_edits_a_contact_through_the_service(self):
        self.client.force_login(self.writer)
        response = self.client.post(
            reverse("admin:answers_crisiscontact_add"),
            self.form(country="IE", expected_version=""),
        )
        self.assertEqual(response.status_code, 302)
        added = CrisisContact.objects.get(country="IE")
        self.assertEqual(added.events.get().action, Action.CREATED)
        response = self.client.post(self.change_url, self.form(hours="Every day"))
        self.assertEqual(response.status_code, 302)
        self.contact.refresh_from_db()
        self.assertEqual(
            (self.contact.hours, self.contact.draft_version), ("Every day", 2)
        )
        self.assertEqual(self.contact.events.first().action, Action.EDITED)

    def test_the_form_refuses_a_contact_with_no_way_to_reach_it(self):
        self.client.force_login(self.writer)
        response = self.client.post(self.change_url, self.form(phone=""))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Give at least one way to reach the service")
        self.assertEqual(CrisisContact.objects.get(pk=self.contact.pk).phone, "116 123")

    def test_the_form_refuses_to_save_over_a_newer_version(self):
        edit_contact(self.contact, self.reviewer, hours="Every day")
        self.client.force_login(self.writer)
        response = self.client.post(
            self.change_url, self.form(phone="999", expected_version="1")
        )
        self.assertContains(response, "after you opened it")
        self.contact.refresh_from_db()
        self.assertEqual(
            (self.contact.phone, self.contact.draft_version), ("116 123", 2)
        )

    def test_a_reviewer_approves_on_the_review_screen(self):
        self.client.force_login(self.reviewer)
        page = self.client.get(self.review_url)
        self.assertContains(page, "Approve version 1")
        response = self.approve(self.reviewer)
        self.assertEqual(response.status_code, 302)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.live_revision.reviewer_name, "Dr Rita Osei")

    def test_a_writer_cannot_approve_on_the_review_screen(self):
        response = self.approve(self.writer)
        self.assertEqual(response.status_code, 403)
        self.contact.refresh_from_db()
        self.assertIsNone(self.contact.live_revision)

    def test_the_screen_refuses_a_stale_version(self):
        edit_contact(self.contact, self.writer, phone="116 999")
        response = self.approve(self.reviewer, version=1)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "after you opened it")
        self.assertFalse(CrisisContactRevision.objects.exists())

    def test_the_reviewer_who_edited_it_is_told_and_refused(self):
        edit_contact(self.contact, self.reviewer, hours="Every day")
        self.client.force_login(self.reviewer)
        page = self.client.get(self.review_url)
        self.assertContains(page, "another medical reviewer has to approve it")
        self.assertNotContains(page, "Approve version")
        self.assertEqual(self.approve(self.reviewer).status_code, 403)
        self.assertFalse(CrisisContactRevision.objects.exists())

    def test_moderators_and_members_cannot_reach_the_pages(self):
        urls = [
            reverse("admin:answers_crisiscontact_changelist"),
            reverse("admin:answers_crisiscontact_add"),
            self.change_url,
            self.review_url,
        ]
        self.client.force_login(self.moderator)
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 403, url)
        self.client.force_login(self.member)
        for url in urls:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn(reverse("admin:login"), response["Location"])

    def test_nobody_deletes_a_contact(self):
        self.client.force_login(self.admin)
        url = reverse("admin:answers_crisiscontact_delete", args=[self.contact.pk])
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(CrisisContact.objects.filter(pk=self.contact.pk).exists())

    def test_the_list_shows_what_is_live_and_waiting_in_flat_queries(self):
        approve_crisis_contact(self.contact, self.reviewer)
        edit_contact(self.contact, self.writer, phone="116 999")
        self.client.force_login(self.writer)
        url = reverse("admin:answers_crisiscontact_changelist")
        self.client.get(url)
        with CaptureQueriesContext(connection) as one:
            response = self.client.get(url)
        self.assertContains(response, "Dr Rita Osei, ")
        for country in ("US", "CA", "AU"):
            approve_crisis_contact(
                make_crisis_contact(self.writer, country=country), self.reviewer
            )
        with self.assertNumQueries(len(one)):
            response = self.client.get(url)
        self.assertContains(response, "Review</a>", count=4)


class CrisisContactQueueTests(PersonasTestCase):
    def test_the_waiting_filter_lists_versions_nobody_approved(self):
        new = make_crisis_contact(self.writer, service="New one")
        live = make_crisis_contact(self.writer, service="Live one")
        approve_crisis_contact(live, self.reviewer)
        edited = make_crisis_contact(self.writer, service="Edited one")
        approve_crisis_contact(edited, self.reviewer)
        edit_contact(edited, self.writer, hours="Weekdays")
        withdrawn = make_crisis_contact(self.writer, service="Withdrawn one")
        approve_crisis_contact(withdrawn, self.reviewer)
        crisis.withdraw_contact(user=self.reviewer, contact=withdrawn, reason="Closed.")
        self.client.force_login(self.reviewer)
        url = reverse("admin:answers_crisiscontact_changelist")
        waiting = self.client.get(url, {"review": "waiting"})
        self.assertContains(waiting, new.service)
        self.assertContains(waiting, edited.service)
        self.assertNotContains(waiting, live.service)
        self.assertNotContains(waiting, withdrawn.service)
        # Edited after it was withdrawn: waiting again.
        edit_contact(withdrawn, self.writer, phone="116 000")
        self.assertContains(
            self.client.get(url, {"review": "waiting"}), "Withdrawn one"
        )
        shown = self.client.get(url, {"review": "shown"})
        self.assertContains(shown, live.service)
        self.assertContains(shown, edited.service)
        self.assertNotContains(shown, new.service)

    def test_the_country_filter_lists_only_countries_with_contacts(self):
        make_crisis_contact(self.writer, service="Samaritans", country="GB")
        make_crisis_contact(self.writer, service="Everywhere line", country="")
        self.client.force_login(self.reviewer)
        url = reverse("admin:answers_crisiscontact_changelist")

        page = self.client.get(url).content.decode()
        self.assertIn("?country=GB", page)
        self.assertIn("General (every country)", page)
        # Not the 250 countries of the world: none of them has a contact.
        self.assertNotIn("?country=ZW", page)
        self.assertNotContains(
            self.client.get(url, {"country": "general"}), "Samaritans"
        )
        self.assertContains(self.client.get(url, {"country": "GB"}), "Samaritans")

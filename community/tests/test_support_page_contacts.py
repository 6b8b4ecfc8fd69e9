"""Issue 18: the support page a member in crisis is sent to shows the crisis
contacts a medical reviewer approved, and nothing else: those of the country
on the member's profile first, then the general ones; when their country has
none, the general ones and a line saying so. A draft, the unapproved edit of
a live contact and a withdrawn contact never show. Its queries do not grow
with the number of contacts, and it is never cached."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import crisis
from answers.models import CrisisContact
from community.models import Member
from devdata.personas import (
    PersonasTestCase,
    approve_crisis_contact,
    make_crisis_contact,
)

URL = reverse("community:support")


class SupportPageContactsTests(PersonasTestCase):
    def setUp(self) -> None:
        self.set_country("GB")
        self.client.force_login(self.member)

    def set_country(self, code: str) -> None:
        Member.objects.filter(user=self.member).update(country=code)

    def live(self, **fields) -> CrisisContact:
        contact = make_crisis_contact(self.writer, **fields)
        approve_crisis_contact(contact, self.reviewer)
        contact.refresh_from_db()
        return contact

    def edit(self, contact: CrisisContact, **changes) -> None:
        contact.refresh_from_db()
        for name, value in changes.items():
            setattr(contact, name, value)
        crisis.save_contact(
            user=self.writer, contact=contact, expected_version=contact.draft_version
        )

    def page(self) -> str:
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-cache", response["Cache-Control"])
        return response.content.decode()

    def test_a_draft_contact_never_shows(self):
        make_crisis_contact(self.writer, service="Draftline", phone="0800 111")
        make_crisis_contact(self.writer, country="", service="Worldline Draft")
        page = self.page()
        self.assertNotIn("Draftline", page)
        self.assertNotIn("0800 111", page)
        self.assertNotIn("Worldline Draft", page)

    def test_an_edited_live_contact_shows_its_approved_text(self):
        contact = self.live()
        self.edit(contact, service="Samaritans NEW", phone="0800 222", hours="Weekdays")
        page = self.page()
        self.assertIn("Samaritans", page)
        self.assertIn('href="tel:116123"', page)
        self.assertIn("24 hours, every day", page)
        self.assertNotIn("Samaritans NEW", page)
        self.assertNotIn("0800 222", page)
        self.assertNotIn("Weekdays", page)
        # Approved, the new text replaces the old one.
        approve_crisis_contact(contact, self.second_reviewer)
        page = self.page()
        self.assertIn("Samaritans NEW", page)
        self.assertNotIn('href="tel:116123"', page)

    def test_a_withdrawn_contact_is_gone(self):
        contact = self.live(service="Closed Line")
        self.assertIn("Closed Line", self.page())
        crisis.withdraw_contact(
            user=self.reviewer, contact=contact, reason="The service closed."
        )
        self.assertNotIn("Closed Line", self.page())

    def test_a_contact_moved_to_another_country_shows_where_it_was_approved(self):
        contact = self.live(service="Lifeline")
        self.edit(contact, country="AU")
        self.assertIn("Lifeline", self.page())
        self.set_country("AU")
        self.assertNotIn("Lifeline", self.page())

    def test_country_contacts_come_first_then_the_general_ones(self):
        self.live(
            country="",
            service="Find A Helpline",
            phone="",
            other_contact="https://findahelpline.com/",
        )
        self.live(service="Shout", phone="", text_number="85258", order=2)
        self.live(service="Samaritans", order=1)
        self.live(country="US", service="988 Lifeline", phone="988")
        page = self.page()
        self.assertIn("In United Kingdom", page)
        order = [
            page.index(name) for name in ("Samaritans", "Shout", "Find A Helpline")
        ]
        self.assertEqual(order, sorted(order))
        self.assertNotIn("988 Lifeline", page)
        self.assertIn('href="sms:85258"', page)
        self.assertIn('href="https://findahelpline.com/"', page)
        self.assertIn("Last checked 1 November 2026", page)
        self.assertNotIn("We do not have a checked list", page)

    def test_without_contacts_for_their_country_the_general_ones_and_a_line(self):
        self.live(
            country="",
            service="Find A Helpline",
            phone="",
            other_contact="https://findahelpline.com/",
        )
        self.set_country("FR")
        page = self.page()
        self.assertIn("We do not have a checked list of services in France yet", page)
        self.assertIn("Find A Helpline", page)

    def test_a_member_without_a_country_sees_the_general_ones(self):
        self.live(service="Samaritans")
        self.live(
            country="",
            service="Find A Helpline",
            phone="",
            other_contact="https://findahelpline.com/",
        )
        self.set_country("")
        page = self.page()
        self.assertIn("Find A Helpline", page)
        self.assertNotIn("Samaritans", page)
        self.assertNotIn("We do not have a checked list", page)

    def test_its_queries_do_not_grow_with_the_contacts(self):
        # The user, the member (the header reads it too), the contacts; and
        # the session where sessions are in the database (not with Redis).
        self.live()
        self.page()
        with CaptureQueriesContext(connection) as one:
            self.page()
        self.assertLessEqual(len(one), 4)
        for index in range(4):
            self.live(service=f"Line {index}", order=index)
            self.live(country="", service=f"World {index}", order=index)
        with self.assertNumQueries(len(one)):
            page = self.page()
        self.assertIn("World 3", page)

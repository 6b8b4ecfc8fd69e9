"""Issue 18: the demo ships a small list of real crisis contacts, each with its
source and marked as needing a check before production, approved by a demo
reviewer who did not enter them (one waits for review), so the demo support
page shows them: Mina (United Kingdom) sees the UK's first."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from answers.deploy_checks import check_crisis_contacts
from answers.models import CrisisContact
from devdata.crisis_contacts import DEMO_CRISIS_CONTACTS
from devdata.terminology import load_sample


class DemoCrisisContactsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_sample()
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())

    def test_each_is_sourced_marked_and_approved_by_another_person(self):
        contacts = CrisisContact.objects.select_related("live_revision")
        self.assertEqual(contacts.count(), len(DEMO_CRISIS_CONTACTS) + 1)
        for contact in contacts:
            self.assertTrue(contact.source_url.startswith("https://"), contact)
            self.assertTrue(contact.needs_check, contact)
            self.assertEqual(
                contact.events.order_by("pk").first().actor.username, "wendy"
            )
        live = contacts.exclude(live_revision=None)
        self.assertEqual(live.count(), len(DEMO_CRISIS_CONTACTS))
        self.assertEqual(
            {c.live_revision.reviewer_name for c in live}, {"Dr Rita Osei"}
        )
        self.assertEqual(
            set(live.values_list("country", flat=True)),
            {"GB", "IE", "US", "CA", "AU", ""},
        )
        (waiting,) = contacts.filter(live_revision=None)
        self.assertEqual(waiting.country, "NZ")

    def test_a_production_check_warns_about_them(self):
        ids = [warning.id for warning in check_crisis_contacts()]
        self.assertEqual(ids, ["answers.W002"])

    def test_the_demo_support_page_lists_them(self):
        # Demo accounts log in only with DEBUG on.
        with override_settings(DEBUG=True):
            self.client.force_login(get_user_model().objects.get(username="mina"))
            page = self.client.get(reverse("community:support"))
        self.assertContains(page, "In United Kingdom")
        self.assertContains(page, 'href="tel:116123"')
        self.assertContains(page, 'href="sms:85258"')
        self.assertContains(page, "Find A Helpline")
        self.assertNotContains(page, "988")
        self.assertNotContains(page, "1737")  # waiting for review
        # Written from the services' pages, never checked since: the page
        # says so rather than give a "last checked" date.
        self.assertContains(page, "Not yet checked against its source", count=3)
        self.assertNotContains(page, "Last checked")

    def test_running_it_again_adds_none(self):
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=StringIO())
        self.assertEqual(CrisisContact.objects.count(), len(DEMO_CRISIS_CONTACTS) + 1)

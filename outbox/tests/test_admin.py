"""Outgoing email in the admin: site admins can read it, nobody can edit it,
and editorial staff do not see members' addresses."""

from django.urls import reverse

from devdata.personas import PersonasTestCase
from outbox.models import OutboundEmail
from outbox.services import queue_email


class OutboxAdminTestCase(PersonasTestCase):
    def setUp(self) -> None:
        (self.email,) = queue_email(
            to=["mina@example.org"], subject="Your post is published", body="Hello"
        )
        self.email.record_failure(ConnectionRefusedError(), self.email.created_at)

    def test_a_site_admin_sees_what_waits_and_why(self):
        self.client.force_login(self.admin)

        response = self.client.get(reverse("admin:outbox_outboundemail_changelist"))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Your post is published")
        self.assertContains(response, "ConnectionRefusedError")
        detail = self.client.get(
            reverse("admin:outbox_outboundemail_change", args=[self.email.pk])
        )
        self.assertEqual(detail.status_code, 200)
        self.assertNotContains(detail, 'name="_save"')

    def test_nobody_adds_changes_or_deletes_by_hand(self):
        self.client.force_login(self.admin)

        add = self.client.get(reverse("admin:outbox_outboundemail_add"))
        delete = self.client.post(
            reverse("admin:outbox_outboundemail_delete", args=[self.email.pk]),
            {"post": "yes"},
        )

        self.assertEqual(add.status_code, 403)
        self.assertEqual(delete.status_code, 403)
        self.assertTrue(OutboundEmail.objects.filter(pk=self.email.pk).exists())

    def test_editorial_staff_do_not_see_members_addresses(self):
        for user in (self.moderator, self.reviewer, self.writer):
            self.client.force_login(user)
            response = self.client.get(reverse("admin:outbox_outboundemail_changelist"))
            self.assertEqual(response.status_code, 403, user)

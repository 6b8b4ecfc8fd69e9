"""/me/: my posts, my conditions, export, and deleting my account."""

import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import models
from django.urls import reverse

from answers.models import ReviewEvent
from community import services
from community.models import Experience, Member, ModerationEvent, Report
from community.tests.account_helpers import reauthenticate
from community.tests.helpers import share, share_published
from devdata.personas import (
    PASSWORD,
    PersonasTestCase,
    draft,
    make_condition,
    make_member,
    publish,
)


def rows_containing(*needles: str) -> list[str]:
    """Every text cell in the database that contains one of the needles."""
    found = []
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._default_manager.values("pk", *text_fields):
            for name in text_fields:
                value = json.dumps(row[name]) if row[name] is not None else ""
                for needle in needles:
                    if needle.lower() in value.lower():
                        found.append(f"{model._meta.label}.{name} #{row['pk']}")
    return found


class MyPageTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.client.force_login(self.member)

    def test_my_page_lists_posts_with_status_and_conditions(self):
        share(self.member, self.condition, self.question)
        share_published(self.member, self.condition, moderator=self.moderator)
        share(self.other_member, self.condition, body="Omar's own words " * 3)
        page = self.client.get(reverse("community:me"))
        self.assertContains(page, "Hello, SunnyMina")
        self.assertContains(page, "Waiting for moderation")
        self.assertContains(page, "Published")
        self.assertNotContains(page, "Omar")
        self.assertContains(page, "POEMS syndrome</a>: i live with it")

    def test_adding_and_removing_my_conditions(self):
        self.client.post(
            reverse("community:add_condition"),
            {"condition": self.condition.pk, "relation": "family"},
        )
        relation = self.member.member.conditions.get()
        self.assertEqual(relation.relation, "family")
        self.client.post(reverse("community:remove_condition", args=["poems-syndrome"]))
        self.assertFalse(self.member.member.conditions.exists())

    def test_the_export_holds_everything_we_keep_about_me(self):
        pending = share(self.member, self.condition, self.question)
        published = share_published(
            self.member, self.condition, moderator=self.moderator
        )
        services.edit_experience(
            user=self.member,
            experience=published,
            body="An edit that waits for a moderator.",
        )
        theirs = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        services.report_experience(
            user=self.member, experience=theirs, reason="Advertising"
        )

        reauthenticate(self.client)  # test_account_changes_need_the_password

        response = self.client.get(reverse("community:export"))

        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        data = json.loads(response.content)
        self.assertEqual(data["account"]["email"], "mina@example.org")
        self.assertEqual(data["profile"]["pseudonym"], "SunnyMina")
        self.assertEqual(data["conditions"][0]["condition"], "POEMS syndrome")
        self.assertEqual(
            {e["id"] for e in data["experiences"]}, {pending.pk, published.pk}
        )
        edited = next(e for e in data["experiences"] if e["id"] == published.pk)
        self.assertEqual(
            edited["edit_waiting_for_moderation"], "An edit that waits for a moderator."
        )
        self.assertEqual(data["reports_made"][0]["reason"], "Advertising")
        self.assertNotIn("Omar", response.content.decode())

    def test_anonymous_visitors_cannot_reach_my_pages(self):
        self.client.logout()
        for name in ["community:me", "community:export", "community:delete_account"]:
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 302)


class DeleteAccountTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.kept = share_published(
            self.member, self.condition, self.question, moderator=self.moderator
        )
        self.pending = share(self.member, self.condition)
        theirs = share_published(
            self.other_member, self.condition, moderator=self.moderator
        )
        services.report_experience(
            user=self.member, experience=theirs, reason="Off topic here"
        )
        self.client.force_login(self.member)

    def delete(self, posts: str):
        return self.client.post(
            reverse("community:delete_account"), {"posts": posts, "password": PASSWORD}
        )

    def test_the_password_is_required(self):
        page = self.client.post(
            reverse("community:delete_account"), {"posts": "keep", "password": "nope"}
        )
        self.assertContains(page, "That is not your password.")
        self.assertTrue(get_user_model().objects.filter(username="mina").exists())

    def test_keep_posts_as_former_member_and_leave_no_email_or_pseudonym(self):
        response = self.delete("keep")

        self.assertContains(response, "Your account is deleted")
        self.assertFalse(get_user_model().objects.filter(username="mina").exists())
        self.assertEqual(rows_containing("mina@example.org", "SunnyMina", "mina"), [])
        self.kept.refresh_from_db()
        self.assertTrue(self.kept.author.is_former)
        self.assertIsNone(self.kept.author.user)
        page = self.client.get(self.question.get_absolute_url())
        self.assertContains(page, "Former member")
        self.assertContains(page, "1 person with POEMS syndrome has shared")
        # Audit rows survive, anonymised; the report still counts, without
        # the member's words.
        self.assertTrue(ModerationEvent.objects.filter(experience=self.kept).exists())
        report = Report.objects.get()
        self.assertIsNone(report.reporter)
        self.assertEqual(report.reason, services.REPORT_OF_FORMER_MEMBER)
        self.assertEqual(rows_containing("Off topic here"), [])

    def test_keep_posts_keeps_only_what_was_published(self):
        services.edit_experience(
            user=self.member,
            experience=self.kept,
            body="An edit nobody approved yet, which the member never published.",
        )

        self.delete("keep")

        # The pending post was never public: it goes. So does the waiting edit.
        self.assertFalse(Experience.objects.filter(pk=self.pending.pk).exists())
        self.kept.refresh_from_db()
        self.assertEqual(self.kept.pending_body, "")
        self.assertEqual(rows_containing("An edit nobody approved yet"), [])

    def test_remove_posts_deletes_them_and_the_counts_follow(self):
        self.delete("remove")

        self.assertFalse(
            Experience.objects.filter(pk__in=[self.kept.pk, self.pending.pk]).exists()
        )
        self.assertEqual(rows_containing("mina@example.org", "SunnyMina"), [])
        self.assertFalse(Member.objects.filter(is_former=True).exists())
        page = self.client.get(self.question.get_absolute_url())
        self.assertContains(
            page, "No one has shared an experience on this question yet."
        )
        event = ModerationEvent.objects.get(experience_ref=self.kept.pk)
        self.assertIsNone(event.experience)

    def test_staff_audit_rows_survive_with_the_person_anonymised(self):
        editor = make_member("eddie", first_name="Eddie", last_name="Example")
        editor.is_staff = True
        editor.save()
        editor.groups.add(*self.writer.groups.all())
        question = draft(editor, self.condition, slug="edited-by-eddie")
        # A site admin removes the staff rights first: staff accounts are not
        # closed from /me/ (test_authorization_matrix, delete_my_account).
        editor.is_staff = False
        editor.save()
        services.delete_account(user=editor, keep_posts=False)
        event = ReviewEvent.objects.get(question=question)
        self.assertIsNone(event.actor)
        self.assertEqual(event.actor_name, "Former editor")
        self.assertEqual(rows_containing("Eddie Example", "eddie@example.org"), [])

"""Moderators redact identifying details instead of rejecting a post, and the
author decides (community.services.redaction): the flow, who may do each
step, stale forms, and how long the original wording is kept."""

from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from community import services
from community.exceptions import CommunityError, InvalidTransition, NotAllowed
from community.models import Experience, ExperienceStatus, ModerationEvent
from community.services.redaction import StaleRedaction
from community.tests.helpers import share, share_published
from devdata.personas import PersonasTestCase, draft, make_condition, publish

Action = ModerationEvent.Action
Status = ExperienceStatus

ORIGINAL = (
    "Dr Hargreaves at St Brigid's in Dunmore told me on 3 March that my "
    "numbness was nerve damage from POEMS. The tiredness came later."
)
REDACTED = (
    "My neurologist told me that my numbness was nerve damage from POEMS. "
    "The tiredness came later."
)
REASON = "It named your doctor, your hospital, your town and an exact date."


class RedactionTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        # A live answer makes the condition and its experiences page public.
        question = draft(self.writer, self.condition, slug="is-it-contagious")
        publish(question, writer=self.writer, reviewer=self.reviewer)
        self.condition.refresh_from_db()

    def redact(self, experience: Experience, **overrides) -> Experience:
        experience.refresh_from_db()
        kwargs = {
            "user": self.moderator,
            "experience": experience,
            "body": REDACTED,
            "reason": REASON,
            "seen": experience.text_fingerprint,
            **overrides,
        }
        with self.captureOnCommitCallbacks(execute=True):
            return services.redact_experience(**kwargs)


class RedactFlowTests(RedactionTestCase):
    def test_it_holds_a_pending_post_for_the_author_with_the_redacted_text(self):
        post = share(self.member, self.condition, body=ORIGINAL)

        self.redact(post)

        post.refresh_from_db()
        self.assertEqual(post.status, Status.REDACTED)
        self.assertEqual(post.body, REDACTED)
        self.assertNotIn("Hargreaves", post.body_html)
        self.assertEqual(post.redaction_original, ORIGINAL)
        self.assertEqual(post.moderation_reason, REASON)
        self.assertFalse(Experience.objects.published().filter(pk=post.pk).exists())
        event = post.moderation_events.get(action=Action.REDACTED)
        self.assertEqual((event.actor, event.reason), (self.moderator, REASON))
        message = mail.outbox[-1]
        self.assertEqual(message.to, ["mina@example.org"])
        self.assertEqual(message.subject, "A moderator suggests changes to your post")
        self.assertIn("/me/", message.body)
        self.assertIn("14 days", message.body)
        # Health data stays out of mail: neither text is in it.
        for word in ("Hargreaves", "numbness", "neurologist", "tiredness"):
            self.assertNotIn(word, message.body)

    def test_a_published_post_leaves_public_view_at_once(self):
        post = share_published(
            self.member, self.condition, moderator=self.moderator, body=ORIGINAL
        )
        url = reverse("community:experiences", args=[self.condition.public_slug])
        self.assertIn("Hargreaves", self.client.get(url).content.decode())

        self.redact(post)

        page = self.client.get(url).content.decode()
        self.assertNotIn("Hargreaves", page)
        self.assertNotIn("neurologist", page)  # not published before the yes

    def test_the_author_sees_the_redacted_text_and_what_changed(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        self.client.force_login(self.member)

        page = self.client.get(reverse("community:me")).content.decode()

        self.assertIn("A moderator suggests removing some details", page)
        self.assertIn(REASON, page)
        self.assertIn("<del>", page)
        self.assertIn("<ins>My neurologist ", page)
        self.assertIn("Accept and publish", page)
        self.assertIn(
            "no-store", self.client.get(reverse("community:me"))["Cache-Control"]
        )

    def test_on_the_experiences_list_the_author_is_sent_to_their_page(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        self.client.force_login(self.member)

        page = self.client.get(
            reverse("community:experiences", args=[self.condition.public_slug])
        ).content.decode()

        self.assertIn("A moderator suggests changes (see", page)
        self.assertNotIn("Redacted: waiting for the author:", page)

    def test_accepting_publishes_it_and_erases_the_original(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        post.refresh_from_db()
        self.client.force_login(self.member)

        response = self.client.post(
            reverse("community:accept_redaction", args=[post.pk]),
            {"seen": post.text_fingerprint},
        )

        self.assertRedirects(
            response,
            reverse("community:me") + f"#post-{post.pk}",
            fetch_redirect_response=False,
        )
        post.refresh_from_db()
        self.assertEqual(post.status, Status.PUBLISHED)
        self.assertEqual(post.body, REDACTED)
        self.assertEqual(post.redaction_original, "")
        self.assertIsNone(post.redacted_at)
        self.assertIsNotNone(post.published_at)
        accepted = post.moderation_events.get(action=Action.REDACTION_ACCEPTED)
        self.assertEqual(accepted.actor_name, "The post's author")
        url = reverse("community:experiences", args=[self.condition.public_slug])
        self.assertIn("My neurologist", self.client.get(url).content.decode())

    def test_the_author_may_edit_it_instead_and_it_goes_back_to_moderation(self):
        post = share_published(
            self.member, self.condition, moderator=self.moderator, body=ORIGINAL
        )
        self.redact(post)
        self.client.force_login(self.member)
        edit = self.client.get(reverse("community:edit", args=[post.pk]))
        self.assertIn("My neurologist", edit.content.decode())
        self.assertNotIn("Hargreaves", edit.content.decode())

        self.client.post(
            reverse("community:edit", args=[post.pk]),
            {
                "body": REDACTED + " I rest every afternoon now.",
                "confirm_identifying": "on",
            },
        )

        post.refresh_from_db()
        self.assertEqual(post.status, Status.PENDING)
        self.assertTrue(post.body.endswith("I rest every afternoon now."))
        self.assertEqual(post.redaction_original, "")
        self.assertTrue(
            post.moderation_events.filter(action=Action.REDACTION_EDITED).exists()
        )

    def test_the_author_may_delete_it(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        self.client.force_login(self.member)

        self.client.post(reverse("community:delete", args=[post.pk]))

        self.assertFalse(Experience.objects.filter(pk=post.pk).exists())
        self.assertTrue(
            ModerationEvent.objects.filter(
                experience_ref=post.pk, action=Action.REDACTED
            ).exists()
        )

    def test_a_waiting_edit_is_what_gets_redacted(self):
        post = share_published(self.member, self.condition, moderator=self.moderator)
        services.edit_experience(user=self.member, experience=post, body=ORIGINAL)
        post.refresh_from_db()

        self.redact(post)

        post.refresh_from_db()
        self.assertEqual(post.redaction_original, ORIGINAL)
        self.assertEqual((post.body, post.pending_body), (REDACTED, ""))

    def test_only_the_author_publishes_a_redacted_text(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        with self.assertRaises(InvalidTransition):
            services.approve_experience(user=self.moderator, experience=post)
        post.refresh_from_db()
        self.assertEqual(post.status, Status.REDACTED)

    def test_removing_ends_the_redaction_and_erases_the_original(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        # Hiding would let a later approval publish a text nobody accepted.
        with self.assertRaises(InvalidTransition):
            services.hide_experience(
                user=self.moderator, experience=post, reason="Checking it."
            )

        services.remove_experience(
            user=self.moderator, experience=post, reason="The author asked us to."
        )

        post.refresh_from_db()
        self.assertEqual((post.status, post.redaction_original), (Status.REMOVED, ""))

    def test_the_daily_job_erases_due_originals(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        Experience.objects.filter(pk=post.pk).update(
            redacted_at=timezone.now() - services.KEEP_ORIGINAL_FOR - timedelta(days=1)
        )
        out = StringIO()
        call_command("erase_redaction_originals", "--dry-run", stdout=out)
        self.assertIn("1 original(s) would be erased", out.getvalue())
        post.refresh_from_db()
        self.assertEqual(post.redaction_original, ORIGINAL)

        call_command("erase_redaction_originals", stdout=out)

        self.assertIn("1 original(s) of unanswered redactions erased", out.getvalue())
        post.refresh_from_db()
        self.assertEqual((post.redaction_original, post.status), ("", Status.REDACTED))

    def test_an_unanswered_original_is_erased_but_nothing_is_published(self):
        post = share(self.member, self.condition, body=ORIGINAL)
        self.redact(post)
        later = timezone.now() + services.KEEP_ORIGINAL_FOR - timedelta(hours=1)
        self.assertEqual(services.erase_unanswered_originals(at=later), 0)

        later += timedelta(hours=2)
        self.assertEqual(services.erase_unanswered_originals(at=later), 1)

        post.refresh_from_db()
        self.assertEqual(post.status, Status.REDACTED)
        self.assertEqual((post.redaction_original, post.body), ("", REDACTED))
        expired = post.moderation_events.get(action=Action.REDACTION_EXPIRED)
        self.assertNotIn("Hargreaves", expired.reason)
        # The author can still say yes, with no original left to compare.
        self.client.force_login(self.member)
        page = self.client.get(reverse("community:me")).content.decode()
        self.assertIn("Your original wording has been deleted", page)
        services.accept_redaction(
            user=self.member, experience=post, seen=post.text_fingerprint
        )
        post.refresh_from_db()
        self.assertEqual(post.status, Status.PUBLISHED)


class RedactRulesTests(RedactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.post = share(self.member, self.condition, body=ORIGINAL)

    def test_only_moderators_redact(self):
        for user in (self.member, self.other_member, self.writer, self.reviewer):
            with self.subTest(user=user.username), self.assertRaises(NotAllowed):
                self.redact(self.post, user=user)
        self.post.refresh_from_db()
        self.assertEqual((self.post.status, self.post.body), (Status.PENDING, ORIGINAL))
        self.assertFalse(
            ModerationEvent.objects.filter(action=Action.REDACTED).exists()
        )

    def test_a_moderator_never_redacts_their_own_post(self):
        services.create_member(
            user=self.moderator, pseudonym="mo-member", consented=True
        )
        own = share(self.moderator, self.condition, body=ORIGINAL)
        with self.assertRaises(NotAllowed):
            self.redact(own)

    def test_only_the_author_accepts(self):
        self.redact(self.post)
        self.post.refresh_from_db()
        for user in (self.other_member, self.moderator):
            with self.subTest(user=user.username), self.assertRaises(CommunityError):
                services.accept_redaction(
                    user=user, experience=self.post, seen=self.post.text_fingerprint
                )
        self.client.force_login(self.other_member)
        response = self.client.post(
            reverse("community:accept_redaction", args=[self.post.pk]),
            {"seen": self.post.text_fingerprint},
        )
        self.assertEqual(response.status_code, 404)
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, Status.REDACTED)

    def test_a_stale_moderator_form_is_refused(self):
        seen = self.post.text_fingerprint
        services.edit_experience(
            user=self.member, experience=self.post, body=ORIGINAL + " New words."
        )

        with self.assertRaises(StaleRedaction):
            self.redact(self.post, seen=seen)

        self.post.refresh_from_db()
        self.assertEqual(self.post.status, Status.PENDING)
        self.assertTrue(self.post.body.endswith("New words."))

    def test_the_author_cannot_accept_a_text_they_have_not_seen(self):
        self.redact(self.post)
        self.post.refresh_from_db()
        seen = self.post.text_fingerprint
        self.redact(self.post, body=REDACTED.replace("POEMS", "my condition"))

        with self.assertRaises(StaleRedaction):
            services.accept_redaction(user=self.member, experience=self.post, seen=seen)

        self.post.refresh_from_db()
        self.assertEqual(self.post.status, Status.REDACTED)
        # A second redaction keeps the author's own words, not the first draft.
        self.assertEqual(self.post.redaction_original, ORIGINAL)

    def test_a_reason_is_required_and_may_not_quote_what_was_removed(self):
        for reason in ("", "  ", "Removed Hargreaves.", "The date (3 March)."):
            with self.subTest(reason=reason), self.assertRaises(CommunityError):
                self.redact(self.post, reason=reason)
        self.assertFalse(
            ModerationEvent.objects.filter(action=Action.REDACTED).exists()
        )

    def test_a_reason_may_name_the_kind_of_detail(self):
        # "Hospital" was removed (St Brigid's Hospital), but "your hospital"
        # says what kind of detail it was, not which.
        post = share(
            self.other_member,
            self.condition,
            body="They treat me at St Brigid's Hospital in Dunmore, every month.",
        )
        self.redact(
            post,
            body="They treat me at a hospital near home, every month.",
            reason="It named your hospital and your town.",
        )
        post.refresh_from_db()
        self.assertEqual(post.status, Status.REDACTED)

    def test_an_unchanged_text_is_not_a_redaction(self):
        with self.assertRaises(CommunityError):
            self.redact(self.post, body=ORIGINAL)


class RedactAdminTests(RedactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.post = share(self.member, self.condition, body=ORIGINAL)
        self.url = reverse("admin:community_experience_redact", args=[self.post.pk])
        self.client.force_login(self.moderator)

    def test_the_form_is_prefilled_with_guidance(self):
        response = self.client.get(self.url)
        page = response.content.decode()
        self.assertEqual(response.status_code, 200)
        self.assertIn("Dr Hargreaves at St Brigid", page)
        self.assertIn("Places: hospitals, clinics", page)
        self.assertIn(self.post.text_fingerprint, page)
        moderate = reverse("admin:community_experience_moderate", args=[self.post.pk])
        self.assertIn(self.url, self.client.get(moderate).content.decode())

    def test_posting_redacts(self):
        response = self.client.post(
            self.url,
            {"body": REDACTED, "reason": REASON, "seen": self.post.text_fingerprint},
        )
        self.assertEqual(response.status_code, 302)
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, Status.REDACTED)

    def test_a_stale_form_is_refused_and_shows_the_new_text(self):
        seen = self.post.text_fingerprint
        services.edit_experience(
            user=self.member, experience=self.post, body=ORIGINAL + " New words."
        )

        response = self.client.post(
            self.url, {"body": REDACTED, "reason": REASON, "seen": seen}
        )

        self.assertEqual(response.status_code, 409)
        self.assertIn("changed since you opened it", response.content.decode())
        self.assertIn("New words.", response.content.decode())
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, Status.PENDING)

    def test_only_moderators_open_it(self):
        self.client.force_login(self.writer)
        self.assertEqual(self.client.get(self.url).status_code, 403)

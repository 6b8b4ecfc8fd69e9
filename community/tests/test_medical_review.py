"""Harmful advice goes to a medical reviewer (issue 18): the moderator sends
it, the reviewer publishes it with a note, asks for an edit or hides it; who
may do each step, and a decision on a post that changed is refused."""

from django.core import mail
from django.core.cache import cache

from community import services
from community.exceptions import CommunityError, InvalidTransition, NotAllowed
from community.models import (
    REVIEWER_NOTE_MAX,
    Experience,
    ExperienceStatus,
    MedicalReview,
    ModerationEvent,
    RiskLevel,
)
from community.services import create_member
from community.services.medical_review import StaleDecision
from community.tests.helpers import share, share_published
from devdata.personas import PersonasTestCase, make_condition, make_member

Action = ModerationEvent.Action

ADVICE = (
    "Stop taking your steroids, they are poison. I stopped and I have never felt "
    "better in my life."
)
QUESTION = "Could stopping steroids suddenly harm a reader? Publish with a note?"
NOTE = "Stopping steroids suddenly can be dangerous. Talk to your own doctor first."


class MedicalReviewTestCase(PersonasTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        self.post = share(self.member, self.condition, body=ADVICE)

    def send(self, post: Experience | None = None) -> Experience:
        return services.send_to_medical_reviewer(
            user=self.moderator, experience=post or self.post, question=QUESTION
        )

    def actions(self, post: Experience | None = None) -> list[str]:
        post = post or self.post
        return list(
            post.moderation_events.order_by("pk").values_list("action", flat=True)
        )

    # --- The moderator sends it ----------------------------------------------

    def test_harmful_advice_is_flagged_and_a_moderator_sends_it_with_a_question(self):
        self.assertEqual(self.post.risk, RiskLevel.MEDIUM)
        self.assertIn("harmful_advice", self.post.screening["classes"])

        with self.captureOnCommitCallbacks(execute=True):
            sent = self.send()

        self.post.refresh_from_db()
        self.assertEqual(sent.pk, self.post.pk)
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)
        self.assertEqual(self.post.medical_review, MedicalReview.ASKED)
        self.assertEqual(self.post.medical_question, QUESTION)
        self.assertIsNotNone(self.post.medical_asked_at)
        # The moderator's first look stops the risk clock.
        self.assertIsNotNone(self.post.risk_handled_at)
        event = self.post.moderation_events.order_by("-pk").first()
        self.assertEqual(
            (event.action, event.actor, event.reason),
            (Action.SENT_TO_REVIEWER, self.moderator, QUESTION),
        )
        # The author is told where the post is; the staff's question stays.
        self.assertEqual(mail.outbox[-1].to, ["mina@example.org"])
        self.assertEqual(
            mail.outbox[-1].subject, "A medical reviewer is reading your post"
        )
        self.assertNotIn(QUESTION, mail.outbox[-1].body)

    def test_a_published_post_leaves_the_pages_and_its_waiting_edit_is_reviewed(self):
        post = share_published(self.member, self.condition, moderator=self.moderator)
        services.edit_experience(user=self.member, experience=post, body=ADVICE)

        self.send(post)

        post.refresh_from_db()
        self.assertEqual(post.status, ExperienceStatus.PENDING)
        self.assertNotIn(post, Experience.objects.published())
        self.assertEqual((post.body, post.pending_body), (ADVICE, ""))
        self.assertIn("steroids", post.body_html)

    def test_the_question_is_required_and_short(self):
        for question in ("", "   ", "x" * 1001):
            with self.subTest(length=len(question)), self.assertRaises(CommunityError):
                services.send_to_medical_reviewer(
                    user=self.moderator, experience=self.post, question=question
                )
        self.post.refresh_from_db()
        self.assertEqual(self.post.medical_review, MedicalReview.NONE)

    def test_only_moderators_send_and_never_their_own_post(self):
        for user in (self.reviewer, self.writer, self.other_member, self.member):
            with self.subTest(user=user.username), self.assertRaises(NotAllowed):
                services.send_to_medical_reviewer(
                    user=user, experience=self.post, question=QUESTION
                )
        create_member(user=self.moderator, pseudonym="MoShares", consented=True)
        own = share(self.moderator, self.condition, body=ADVICE)
        with self.assertRaises(NotAllowed):
            self.send(own)
        self.assertFalse(
            ModerationEvent.objects.filter(action=Action.SENT_TO_REVIEWER).exists()
        )

    def test_a_moderator_cannot_publish_what_a_reviewer_is_checking(self):
        self.send()
        with self.assertRaises(InvalidTransition) as refused:
            services.approve_experience(user=self.moderator, experience=self.post)
        self.assertIn("only they can publish it", str(refused.exception))
        with self.assertRaises(InvalidTransition):
            self.send()
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)
        # Hiding or removing stays open to moderators, and ends the review.
        services.remove_experience(
            user=self.moderator, experience=self.post, reason="Spam link."
        )
        self.post.refresh_from_db()
        self.assertEqual(self.post.medical_review, MedicalReview.NONE)

    # --- The reviewer decides ------------------------------------------------

    def test_the_reviewer_publishes_it_with_a_note_in_their_name(self):
        self.send()
        self.post.refresh_from_db()
        with self.captureOnCommitCallbacks(execute=True):
            services.publish_with_note(
                user=self.reviewer,
                experience=self.post,
                note=f"  {NOTE}\r\n",
                seen=services.review_token(self.post),
            )

        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)
        self.assertIsNotNone(self.post.published_at)
        self.assertEqual(self.post.medical_review, MedicalReview.NONE)
        self.assertEqual(self.post.reviewer_note, NOTE)
        self.assertEqual(self.post.reviewer_note_by, self.reviewer_profile)
        self.assertIsNotNone(self.post.reviewer_note_at)
        self.assertTrue(self.post.shows_reviewer_note)
        self.assertEqual(self.actions()[-1], Action.REVIEWER_PUBLISHED)
        self.assertEqual(mail.outbox[-1].to, ["mina@example.org"])
        self.assertEqual(mail.outbox[-1].subject, "Your post is published, with a note")
        self.assertIn(NOTE, mail.outbox[-1].body)

    def test_the_note_is_required_and_short(self):
        self.send()
        self.post.refresh_from_db()
        for note in ("", " ", "x" * (REVIEWER_NOTE_MAX + 1)):
            with self.subTest(length=len(note)), self.assertRaises(CommunityError):
                services.publish_with_note(
                    user=self.reviewer,
                    experience=self.post,
                    note=note,
                    seen=services.review_token(self.post),
                )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)

    def test_only_active_medical_reviewers_decide(self):
        self.send()
        self.post.refresh_from_db()
        seen = services.review_token(self.post)
        inactive = self.second_reviewer_profile
        inactive.active = False
        inactive.save()
        # The superuser has every permission but, here, no reviewer profile.
        for user in (
            self.moderator,
            self.writer,
            self.member,
            self.other_member,
            self.admin,
            self.second_reviewer,
        ):
            for decide, kwargs in (
                (services.publish_with_note, {"note": NOTE}),
                (services.ask_author_for_edit, {"reason": "Please soften it."}),
                (services.hide_for_author, {"reason": "Dangerous advice."}),
            ):
                with (
                    self.subTest(user=user.username, decide=decide.__name__),
                    self.assertRaises(NotAllowed),
                ):
                    decide(user=user, experience=self.post, seen=seen, **kwargs)
        self.post.refresh_from_db()
        self.assertEqual(self.post.medical_review, MedicalReview.ASKED)
        self.assertEqual(self.actions()[-1], Action.SENT_TO_REVIEWER)

    def test_a_reviewer_never_decides_on_their_own_post(self):
        create_member(user=self.reviewer, pseudonym="RitaShares", consented=True)
        own = share(self.reviewer, self.condition, body=ADVICE)
        self.send(own)
        own.refresh_from_db()
        with self.assertRaises(NotAllowed):
            services.publish_with_note(
                user=self.reviewer,
                experience=own,
                note=NOTE,
                seen=services.review_token(own),
            )
        services.publish_with_note(
            user=self.second_reviewer,
            experience=own,
            note=NOTE,
            seen=services.review_token(own),
        )
        own.refresh_from_db()
        self.assertEqual(own.reviewer_note_by, self.second_reviewer_profile)

    def test_asking_for_an_edit_tells_the_author_and_their_edit_comes_back(self):
        self.send()
        self.post.refresh_from_db()
        reason = "Please say this is what you did, not what others should do."
        with self.captureOnCommitCallbacks(execute=True):
            services.ask_author_for_edit(
                user=self.reviewer,
                experience=self.post,
                reason=reason,
                seen=services.review_token(self.post),
            )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)
        self.assertEqual(self.post.medical_review, MedicalReview.EDIT)
        self.assertEqual(self.post.moderation_reason, reason)
        self.assertEqual(mail.outbox[-1].subject, "Please change your post")
        self.assertIn(reason, mail.outbox[-1].body)
        # Not in the reviewers' queue while the author writes.
        with self.assertRaises(InvalidTransition):
            services.publish_with_note(
                user=self.reviewer,
                experience=self.post,
                note=NOTE,
                seen=services.review_token(self.post),
            )

        edited = (
            "My doctor and I stopped my steroids slowly, over months; that is what "
            "worked for me."
        )
        services.edit_experience(user=self.member, experience=self.post, body=edited)

        self.post.refresh_from_db()
        self.assertEqual(self.post.body, edited)
        self.assertEqual(self.post.medical_review, MedicalReview.ASKED)
        self.assertEqual(self.actions()[-1], Action.EDITED_FOR_REVIEWER)
        event = self.post.moderation_events.order_by("-pk").first()
        self.assertEqual(event.actor_name, "The post's author")
        services.publish_with_note(
            user=self.reviewer,
            experience=self.post,
            note=NOTE,
            seen=services.review_token(self.post),
        )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PUBLISHED)

    def test_hiding_gives_the_author_a_reason(self):
        self.send()
        self.post.refresh_from_db()
        reason = "Stopping steroids suddenly can be life-threatening."
        with self.captureOnCommitCallbacks(execute=True):
            services.hide_for_author(
                user=self.reviewer,
                experience=self.post,
                reason=reason,
                seen=services.review_token(self.post),
            )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.HIDDEN)
        self.assertEqual(self.post.medical_review, MedicalReview.NONE)
        self.assertEqual(self.post.moderation_reason, reason)
        self.assertEqual(self.actions()[-1], Action.REVIEWER_HID)
        self.assertEqual(mail.outbox[-1].subject, "Your post has been hidden")
        self.assertIn("medical reviewer", mail.outbox[-1].body)
        self.assertIn(reason, mail.outbox[-1].body)

    def test_a_decision_on_a_post_that_changed_is_refused(self):
        self.send()
        self.post.refresh_from_db()
        seen = services.review_token(self.post)
        # The author edits while the reviewer reads.
        services.edit_experience(
            user=self.member,
            experience=self.post,
            body=ADVICE + " Also stop your blood thinners.",
        )
        with self.assertRaises(StaleDecision) as refused:
            services.publish_with_note(
                user=self.reviewer, experience=self.post, note=NOTE, seen=seen
            )
        self.assertIn("changed after you opened it", str(refused.exception))
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)
        self.assertEqual(self.post.reviewer_note, "")
        # Another reviewer decided first: the second decision is refused too.
        fresh = services.review_token(self.post)
        services.hide_for_author(
            user=self.second_reviewer,
            experience=self.post,
            reason="Dangerous.",
            seen=fresh,
        )
        with self.assertRaises(StaleDecision):
            services.publish_with_note(
                user=self.reviewer, experience=self.post, note=NOTE, seen=fresh
            )
        self.post.refresh_from_db()
        self.assertEqual(self.post.status, ExperienceStatus.HIDDEN)

    def test_an_edit_of_a_post_with_a_note_goes_back_to_a_reviewer(self):
        self.send()
        self.post.refresh_from_db()
        services.publish_with_note(
            user=self.reviewer,
            experience=self.post,
            note=NOTE,
            seen=services.review_token(self.post),
        )
        changed = ADVICE + " And never take the new infusions either."
        services.edit_experience(user=self.member, experience=self.post, body=changed)
        # The note was about the text the reviewer read.
        with self.assertRaises(InvalidTransition):
            services.decide_edit(
                user=self.moderator, experience=self.post, approve=True
            )
        self.send()
        self.post.refresh_from_db()
        self.assertEqual(self.post.body, changed)
        self.assertEqual(self.post.status, ExperienceStatus.PENDING)
        self.assertEqual(self.post.reviewer_note, "")

    def test_the_export_holds_the_review_and_the_note(self):
        self.send()
        self.post.refresh_from_db()
        services.publish_with_note(
            user=self.reviewer,
            experience=self.post,
            note=NOTE,
            seen=services.review_token(self.post),
        )
        self.post.refresh_from_db()
        data = services.export_member_data(user=self.member)
        (exported,) = data["experiences"]
        self.assertEqual(
            exported["medical_review"],
            {
                "state": "Decided by a medical reviewer",
                "question_for_reviewer": QUESTION,
                "reviewer_note": NOTE,
                "reviewer_note_by": "Dr Rita Osei",
                "reviewer_note_at": self.post.reviewer_note_at.isoformat(),
            },
        )
        other = make_member("nina")
        share(other, self.condition)
        self.assertIsNone(
            services.export_member_data(user=other)["experiences"][0]["medical_review"]
        )

"""Separation of duties holds for everyone, superusers included: nobody approves
or re-certifies their own work, nobody moderates their own post. Superusers
pass every permission check, so these rules must not be permission checks.

Checked in the services and through the admin pages (403, nothing changed)."""

from django.urls import reverse

from answers import services
from answers.exceptions import FourEyesViolation
from answers.models import AnswerRevision, ReviewEvent, Status
from community import services as community
from community.exceptions import NotAllowed
from community.models import Experience, ExperienceStatus, Member, ModerationEvent
from community.services import create_member
from community.tests.helpers import share, share_published
from devdata.personas import (
    PersonasTestCase,
    draft,
    edit,
    make_condition,
    make_reviewer,
    make_user,
    publish,
)

MODERATION = [
    ("approve", lambda user, e: community.approve_experience(user=user, experience=e)),
    (
        "hide",
        lambda user, e: community.hide_experience(user=user, experience=e, reason="x"),
    ),
    (
        "remove",
        lambda user, e: community.remove_experience(
            user=user, experience=e, reason="x"
        ),
    ),
]


class ApprovingOwnWorkTestCase(PersonasTestCase):
    """Ada is a superuser who is also an active medical reviewer."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_reviewer(cls.admin, display_name="Dr Ada Admin")
        cls.condition = make_condition()

    def in_review(self, author, *, submitter=None):
        question = draft(author, self.condition)
        services.submit_for_review(item=question, user=submitter or author)
        return question

    def assert_approval_refused(self, question, user) -> None:
        with self.assertRaises(FourEyesViolation):
            services.approve(
                item=question,
                user=user,
                expected_version=question.draft_version,
                coi_confirmed=True,
            )
        question.refresh_from_db()
        self.assertEqual(question.status, Status.IN_REVIEW)
        self.assertFalse(AnswerRevision.objects.filter(question=question).exists())

    def test_a_superuser_cannot_approve_a_draft_they_wrote(self):
        question = self.in_review(self.admin)
        self.assert_approval_refused(question, self.admin)
        services.approve(  # another reviewer can
            item=question,
            user=self.reviewer,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )

    def test_a_superuser_cannot_approve_a_draft_they_edited_or_submitted(self):
        edited = draft(self.writer, self.condition)
        edit(edited, self.admin, short_answer="No. It cannot be caught or passed on.")
        services.submit_for_review(item=edited, user=self.writer)
        self.assert_approval_refused(edited, self.admin)

        submitted = self.in_review(self.writer, submitter=self.admin)
        self.assert_approval_refused(submitted, self.admin)

    def test_a_superuser_cannot_recertify_a_live_version_they_wrote(self):
        question = draft(self.admin, self.condition)
        publish(question, writer=self.admin, reviewer=self.reviewer)
        with self.assertRaises(FourEyesViolation):
            services.recertify(item=question, user=self.admin, coi_confirmed=True)
        self.assertFalse(
            question.events.filter(action=ReviewEvent.Action.RECERTIFIED).exists()
        )

    def test_the_admin_review_page_answers_403_and_changes_nothing(self):
        question = self.in_review(self.admin)
        self.client.force_login(self.admin)

        response = self.client.post(
            reverse("admin:answers_question_review", args=[question.pk]),
            {
                "action": "approve",
                "approve-expected_version": question.draft_version,
                "approve-coi_confirmed": "on",
            },
        )

        self.assertContains(response, "another medical reviewer", status_code=403)
        question.refresh_from_db()
        self.assertEqual(question.status, Status.IN_REVIEW)
        self.assertFalse(AnswerRevision.objects.exists())
        self.assertFalse(
            question.events.filter(action=ReviewEvent.Action.APPROVED).exists()
        )


class ModeratingOwnPostTestCase(PersonasTestCase):
    """Mo (moderator) and Ada (superuser) also have member profiles and post."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.second_moderator = make_user("max", group="Moderator", first_name="Max")
        for user in (cls.moderator, cls.admin):
            create_member(
                user=user, pseudonym=f"{user.username}-member", consented=True
            )

    def assert_refused_and_unchanged(self, experience: Experience, user) -> None:
        for name, decide in MODERATION:
            with self.subTest(user=user.username, decision=name):
                with self.assertRaises(NotAllowed):
                    decide(user, experience)
                experience.refresh_from_db()
                self.assertEqual(experience.status, ExperienceStatus.PENDING)
        self.assertFalse(ModerationEvent.objects.filter(experience=experience).exists())

    def test_a_moderator_cannot_decide_on_their_own_post(self):
        experience = share(self.moderator, self.condition)
        self.assert_refused_and_unchanged(experience, self.moderator)
        community.approve_experience(user=self.second_moderator, experience=experience)

    def test_a_superuser_cannot_decide_on_their_own_post(self):
        experience = share(self.admin, self.condition)
        self.assert_refused_and_unchanged(experience, self.admin)
        community.approve_experience(user=self.moderator, experience=experience)

    def test_nor_on_edits_checks_or_reports_of_their_own_post(self):
        experience = share_published(
            self.moderator, self.condition, moderator=self.second_moderator
        )
        community.edit_experience(
            user=self.moderator,
            experience=experience,
            body=experience.body + " Edited a little later on.",
        )
        community.report_experience(
            user=self.member, experience=experience, reason="Looks like an advert."
        )
        Experience.objects.filter(pk=experience.pk).update(needs_review=True)
        for decide in (
            lambda: community.decide_edit(
                user=self.moderator, experience=experience, approve=True
            ),
            lambda: community.mark_reviewed(user=self.moderator, experience=experience),
            lambda: community.dismiss_reports(
                user=self.moderator, experience=experience
            ),
        ):
            with self.assertRaises(NotAllowed):
                decide()
        experience.refresh_from_db()
        self.assertTrue(experience.pending_body)
        self.assertTrue(experience.needs_review)
        self.assertEqual(experience.reports.filter(resolved_at=None).count(), 1)

    def test_the_moderation_page_answers_403_and_changes_nothing(self):
        experience = share(self.moderator, self.condition)
        self.client.force_login(self.moderator)

        response = self.client.post(
            reverse("admin:community_experience_moderate", args=[experience.pk]),
            {"decision": "approve", "reason": ""},
        )

        self.assertContains(response, "your own post", status_code=403)
        experience.refresh_from_db()
        self.assertEqual(experience.status, ExperienceStatus.PENDING)
        self.assertFalse(ModerationEvent.objects.exists())

    def test_bulk_approval_skips_their_own_post(self):
        own = share(self.moderator, self.condition)
        other = share(self.member, self.condition)
        self.client.force_login(self.moderator)

        self.client.post(
            reverse("admin:community_experience_changelist"),
            {"action": "approve_selected", "_selected_action": [own.pk, other.pk]},
        )

        own.refresh_from_db()
        other.refresh_from_db()
        self.assertEqual(own.status, ExperienceStatus.PENDING)
        self.assertEqual(other.status, ExperienceStatus.PUBLISHED)
        self.assertEqual(Member.objects.filter(user=self.moderator).count(), 1)

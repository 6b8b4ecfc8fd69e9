"""Condition facts go through the same medical review as answers: drafts,
four eyes, a conflict-of-interest declaration, immutable revisions with the
reviewer's credentials, audit events, dates, re-certification, roll back and
unpublishing, through the same services."""

from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from answers import services
from answers.exceptions import (
    ChecksFailed,
    FourEyesViolation,
    InvalidTransition,
    NotAllowed,
    StaleDraft,
    WorkflowError,
)
from answers.models import (
    Condition,
    ConditionRevision,
    ImmutableRecord,
    ReviewEvent,
    Status,
)
from answers.terminology.codes import check_code
from answers.tests.test_concurrent_approval import run_at_once
from devdata.personas import (
    PersonasTestCase,
    add_code,
    add_criteria_set,
    approve_facts,
    draft,
    make_personas,
    make_poems,
    publish,
    verify_session,
)

Action = ReviewEvent.Action


def edit_facts(condition: Condition, user, **fields) -> Condition:
    condition.refresh_from_db()
    for name, value in fields.items():
        setattr(condition, name, value)
    return services.save_draft(
        item=condition, user=user, expected_version=condition.draft_version
    )


class ConditionWorkflowTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems(summary="A rare blood disorder.")
        add_code(cls.condition, "ORPHA", "2905")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def submit(self) -> Condition:
        edit_facts(self.condition, self.writer)
        services.submit_for_review(item=self.condition, user=self.writer)
        self.condition.refresh_from_db()
        return self.condition

    def approve(self, user=None):
        return services.approve(
            item=self.condition,
            user=user or self.reviewer,
            expected_version=self.condition.draft_version,
            coi_confirmed=True,
        )

    def test_an_approval_snapshots_the_facts_and_the_reviewers_credentials(self):
        self.submit()
        revision = self.approve()
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.live_revision, revision)
        self.assertEqual(self.condition.status, Status.PUBLISHED)
        self.assertEqual(revision.name, "POEMS syndrome")
        self.assertEqual(revision.acronym, "POEMS")
        self.assertEqual(
            revision.synonyms, ["Crow–Fukase syndrome", "Takatsuki syndrome"]
        )
        # Each code with the source's name and the release it was checked against.
        orpha = check_code("ORPHA", "2905")
        self.assertEqual(
            revision.codes,
            [
                {
                    "system": "ORPHA",
                    "code": "2905",
                    "name": "POEMS syndrome",
                    "release": orpha.release.version,
                }
            ],
        )
        self.assertEqual(revision.reviewer_name, "Dr Rita Osei")
        self.assertEqual(revision.reviewer_credentials, "MBChB, FRCP")
        self.assertIn("Speaker fees", revision.coi_statement)
        self.assertEqual(
            self.condition.next_review_due,
            timezone.localdate() + timedelta(days=365),
        )
        approval = self.condition.events.get(action=Action.APPROVED)
        self.assertEqual(approval.condition_revision, revision)
        self.assertEqual(approval.reviewer_name, "Dr Rita Osei")
        self.assertIsNone(approval.question)
        self.assertEqual(self.condition.last_review, approval)
        with self.assertRaises(ImmutableRecord):
            revision.save()
        with self.assertRaises(ImmutableRecord):
            revision.delete()

    def test_a_reviewer_never_approves_facts_they_wrote(self):
        edit_facts(self.condition, self.reviewer, prevalence="About 1 in 300,000")
        services.submit_for_review(item=self.condition, user=self.writer)
        self.condition.refresh_from_db()
        with self.assertRaises(FourEyesViolation):
            self.approve(self.reviewer)
        self.approve(self.second_reviewer)

    def test_only_reviewers_approve_and_only_with_the_declaration(self):
        self.submit()
        with self.assertRaises(NotAllowed):
            self.approve(self.writer)
        with self.assertRaisesMessage(WorkflowError, "conflict-of-interest"):
            services.approve(
                item=self.condition,
                user=self.reviewer,
                expected_version=self.condition.draft_version,
                coi_confirmed=False,
            )
        self.reviewer_profile.active = False
        self.reviewer_profile.save()
        with self.assertRaises(NotAllowed):
            self.approve(self.reviewer)

    def test_a_stale_edit_is_refused_and_a_stale_approval_too(self):
        self.condition.refresh_from_db()
        mine = Condition.objects.get(pk=self.condition.pk)
        edit_facts(self.condition, self.writer, prevalence="First")
        mine.prevalence = "Second"
        with self.assertRaises(StaleDraft):
            services.save_draft(item=mine, user=self.writer, expected_version=1)
        self.assertEqual(Condition.objects.get(pk=mine.pk).prevalence, "First")
        services.submit_for_review(item=self.condition, user=self.writer)
        with self.assertRaises(StaleDraft):
            services.approve(
                item=self.condition,
                user=self.reviewer,
                expected_version=1,
                coi_confirmed=True,
            )

    def test_request_changes_recertify_roll_back_and_unpublish(self):
        self.submit()
        services.request_changes(
            item=self.condition, user=self.reviewer, comment="Cite the prevalence."
        )
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.status, Status.CHANGES_REQUESTED)
        services.submit_for_review(item=self.condition, user=self.writer)
        self.condition.refresh_from_db()
        first = self.approve()
        self.condition.refresh_from_db()
        later = timezone.now() + timedelta(days=40)
        services.recertify(
            item=self.condition, user=self.second_reviewer, coi_confirmed=True, at=later
        )
        self.condition.refresh_from_db()
        self.assertEqual(
            self.condition.next_review_due,
            timezone.localdate(later) + timedelta(days=365),
        )
        self.assertEqual(self.condition.live_revision, first)
        edit_facts(self.condition, self.writer, acronym="", acronym_expansion="")
        services.roll_back(
            item=self.condition,
            user=self.writer,
            revision=first,
            expected_version=self.condition.draft_version,
        )
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.acronym, "POEMS")
        self.assertEqual(self.condition.status, Status.DRAFT)
        with self.assertRaises(NotAllowed):
            services.unpublish(item=self.condition, user=self.writer, reason="No")
        services.unpublish(item=self.condition, user=self.reviewer, reason="Check")
        self.condition.refresh_from_db()
        self.assertIsNone(self.condition.live_revision)
        self.assertEqual(
            list(self.condition.events.values_list("action", flat=True))[:5],
            [
                Action.UNPUBLISHED,
                Action.ROLLED_BACK,
                Action.EDITED,
                Action.RECERTIFIED,
                Action.APPROVED,
            ],
        )

    def test_the_checks_refuse_a_criteria_set_without_a_rule(self):
        add_criteria_set(self.condition, rule="")
        self.submit()
        with self.assertRaisesMessage(ChecksFailed, "has no rule"):
            self.approve()
        self.assertFalse(ConditionRevision.objects.exists())

    def test_an_overdue_condition_is_in_the_queue_and_says_so(self):
        long_ago = timezone.now() - timedelta(days=400)
        approve_facts(self.condition, reviewer=self.reviewer, at=long_ago)
        today = timezone.localdate()
        self.assertIn(self.condition, Condition.objects.overdue(today))
        page = self.client.get("/conditions/poems-syndrome/")
        self.assertContains(page, "Review overdue since")

    def test_last_updated_moves_only_when_the_facts_change(self):
        first = approve_facts(self.condition, reviewer=self.reviewer)
        second = approve_facts(self.condition, reviewer=self.second_reviewer)
        self.assertFalse(second.content_changed)
        self.assertEqual(second.content_updated_at, first.content_updated_at)
        edit_facts(self.condition, self.writer, prevalence="About 1 in 300,000")
        third = approve_facts(self.condition, reviewer=self.reviewer)
        self.assertTrue(third.content_changed)
        self.assertGreater(third.content_updated_at, first.content_updated_at)

    def test_the_same_steps_through_the_admin(self):
        self.submit()
        url = reverse("admin:answers_condition_review", args=[self.condition.pk])
        self.client.force_login(self.writer)
        verify_session(self.client, self.writer)
        page = self.client.get(url)
        self.assertNotContains(page, 'id="approve-form"')
        self.assertContains(page, "Only an active medical reviewer")
        refused = self.client.post(
            url,
            {
                "action": "approve",
                "approve-expected_version": self.condition.draft_version,
                "approve-coi_confirmed": "on",
            },
        )
        self.assertEqual(refused.status_code, 403)
        self.client.force_login(self.reviewer)
        verify_session(self.client, self.reviewer)
        page = self.client.get(url)
        self.assertContains(page, 'id="approve-form"')
        self.assertContains(page, 'id="page-preview"')
        done = self.client.post(
            url,
            {
                "action": "approve",
                "approve-expected_version": self.condition.draft_version,
                "approve-coi_confirmed": "on",
            },
        )
        self.assertEqual(done.status_code, 302)
        self.condition.refresh_from_db()
        self.assertIsNotNone(self.condition.live_revision)


class ConditionAddressTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def test_a_condition_slug_change_waits_for_approval_then_redirects(self):
        approve_facts(self.condition, reviewer=self.reviewer)
        edit_facts(self.condition, self.writer, slug="poems", name="POEMS (renamed)")
        self.assertEqual(
            self.client.get("/conditions/poems-syndrome/").status_code, 200
        )
        self.assertEqual(self.client.get("/conditions/poems/").status_code, 404)
        self.assertNotContains(
            self.client.get("/conditions/poems-syndrome/"), "POEMS (renamed)"
        )
        approve_facts(self.condition, reviewer=self.second_reviewer)
        page = self.client.get("/conditions/poems/")
        self.assertContains(page, "POEMS (renamed)")
        moved = self.client.get("/conditions/poems-syndrome/")
        self.assertEqual(
            (moved.status_code, moved["Location"]), (301, "/conditions/poems/")
        )
        answer = self.client.get("/conditions/poems-syndrome/is-it-contagious/")
        self.assertEqual(answer.status_code, 301)
        self.assertEqual(answer["Location"], "/conditions/poems/is-it-contagious/")

    def test_a_condition_never_approved_shows_only_its_name_and_answers(self):
        page = self.client.get("/conditions/poems-syndrome/")
        self.assertContains(page, "<h1>POEMS syndrome</h1>", html=True)
        self.assertNotContains(page, "Crow–Fukase")
        self.assertNotContains(page, "stands for")
        self.assertContains(page, self.question.text)
        # Its name, too, is the one approved with its first answer.
        edit_facts(self.condition, self.writer, name="Renamed in a draft")
        self.assertNotContains(
            self.client.get("/conditions/poems-syndrome/"), "Renamed in a draft"
        )


@pytest.mark.django_db(transaction=True)
def test_twenty_reviewers_approving_the_same_facts_make_one_revision():
    people = type("People", (), {})
    make_personas(people)
    from answers.roles import REVIEWER_GROUP
    from devdata.personas import make_crowd

    crowd = make_crowd("facts-crowd", 20, group=REVIEWER_GROUP, reviewers=True)
    condition = make_poems()
    edit_facts(condition, people.writer)
    services.submit_for_review(item=condition, user=people.writer)
    condition.refresh_from_db()
    version = condition.draft_version

    def approve_as(user):
        return lambda: services.approve(
            item=Condition.objects.get(pk=condition.pk),
            user=user,
            expected_version=version,
            coi_confirmed=True,
        )

    outcomes = run_at_once(*(approve_as(user) for user in crowd))
    revisions = [o for o in outcomes if isinstance(o, ConditionRevision)]
    refusals = [o for o in outcomes if isinstance(o, InvalidTransition)]
    assert len(revisions) == 1, outcomes
    assert len(refusals) == 19, outcomes
    assert ConditionRevision.objects.filter(condition=condition).count() == 1
    assert condition.events.filter(action=Action.APPROVED).count() == 1
    connections.close_all()

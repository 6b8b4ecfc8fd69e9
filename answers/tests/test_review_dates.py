from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from answers import services
from answers.models import Question
from devdata.personas import (
    PersonasTestCase,
    condition_form,
    draft,
    make_condition,
    publish,
)


class ReviewDatesTestCase(PersonasTestCase):
    def test_next_review_is_due_after_the_default_interval(self):
        question = draft(self.writer)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        question.refresh_from_db()
        self.assertEqual(
            question.next_review_due, timezone.localdate() + timedelta(days=365)
        )

    @override_settings(DEFAULT_REVIEW_INTERVAL_DAYS=180)
    def test_the_site_default_interval_is_configurable(self):
        question = draft(self.writer)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        question.refresh_from_db()
        self.assertEqual(
            question.next_review_due, timezone.localdate() + timedelta(days=180)
        )

    def test_a_condition_can_set_its_own_interval(self):
        condition = make_condition(review_interval_days=90)
        question = draft(self.writer, condition)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        question.refresh_from_db()
        self.assertEqual(
            question.next_review_due, timezone.localdate() + timedelta(days=90)
        )

    def test_changing_the_interval_in_the_admin_reschedules_live_answers(self):
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(self.writer, condition)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        self.client.force_login(self.writer)

        response = self.client.post(
            reverse("admin:answers_condition_change", args=[condition.pk]),
            condition_form(condition, review_interval_days="180"),
        )

        self.assertEqual(response.status_code, 302)
        question.refresh_from_db()
        self.assertEqual(
            question.next_review_due, timezone.localdate() + timedelta(days=180)
        )

    def test_overdue_and_due_soon_queues(self):
        now = timezone.now()
        overdue = draft(self.writer)
        publish(
            overdue,
            writer=self.writer,
            reviewer=self.reviewer,
            at=now - timedelta(days=366),
        )
        soon = draft(self.writer)
        publish(
            soon,
            writer=self.writer,
            reviewer=self.reviewer,
            at=now - timedelta(days=350),
        )
        fresh = draft(self.writer)
        publish(fresh, writer=self.writer, reviewer=self.reviewer)
        today = timezone.localdate()

        self.assertEqual(list(Question.objects.overdue(today)), [overdue])
        self.assertEqual(list(Question.objects.due_within(30, today)), [soon])
        services.unpublish(item=overdue, user=self.reviewer, reason="Retired")
        self.assertEqual(list(Question.objects.overdue(today)), [])

    def test_an_overdue_page_says_so_publicly(self):
        long_ago = timezone.now() - timedelta(days=400)
        question = draft(self.writer, at=long_ago)
        publish(question, writer=self.writer, reviewer=self.reviewer, at=long_ago)
        question.refresh_from_db()

        page = self.client.get(question.get_absolute_url())

        self.assertContains(
            page, f"Review overdue since {question.next_review_due:%Y-%m-%d}"
        )

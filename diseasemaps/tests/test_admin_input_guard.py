"""Malformed admin filters and actions that used to answer 500 get a 400 page;
the admin's own links and forms keep working. Each case here was found by
fuzzing the admin (test_fuzz_forms.py) on PostgreSQL."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from devdata.personas import Client, draft, make_condition, make_personas, publish


class AdminInputGuardTestCase(TestCase):
    # Staff logins complete the second factor, as the admin's login does.
    client_class = Client

    @classmethod
    def setUpTestData(cls) -> None:
        make_personas(cls)
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.question = draft(cls.writer, cls.condition, slug="is-it-contagious")
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer)

    def setUp(self) -> None:
        self.client.force_login(self.admin)

    def assert_refused(self, response) -> None:
        self.assertContains(
            response, "We could not understand that request", status_code=400
        )

    def test_a_nul_in_a_filter_value_or_address_is_refused(self):
        questions = reverse("admin:answers_question_changelist")
        for url, query in [
            (questions, {"status__exact": "draft\x00"}),
            (questions, {"topic": "\x00"}),
            (reverse("admin:answers_reviewer_changelist"), {"specialty": "a\x00"}),
            (reverse("admin:axes_accesslog_changelist"), {"path_info": "/\x00"}),
            ("/admin/autocomplete/", {"term": "a\x00", "app_label": "answers"}),
            ("/admin/answers/condition/1%00/history/", {}),
        ]:
            with self.subTest(url=url, query=query):
                self.assert_refused(self.client.get(url, query))

    def test_a_year_beyond_any_date_is_refused(self):
        url = reverse("admin:answers_reviewevent_changelist")
        self.assert_refused(self.client.get(url, {"created_at__year": "9" * 23}))
        self.assertEqual(
            self.client.get(url, {"created_at__year": "2026"}).status_code, 200
        )

    def test_an_action_on_ids_that_are_not_ids_is_refused(self):
        url = reverse("admin:answers_condition_changelist")
        # The last: past any 64-bit integer (SQLite failed on it; a fuzzing find).
        for ids in [
            ["x"],
            ["1,2"],
            [""],
            ["1", "é"],
            [str(2**63)],
            [str(-(2**63) - 1)],
        ]:
            with self.subTest(ids=ids):
                response = self.client.post(
                    url,
                    {"action": "delete_selected", "_selected_action": ids, "index": 0},
                )
                self.assert_refused(response)
        # A real selection still reaches the action (here: "cannot delete",
        # the condition's questions are protected).
        confirm = self.client.post(
            url,
            {
                "action": "delete_selected",
                "_selected_action": [self.condition.pk],
                "index": 0,
            },
        )
        self.assertContains(confirm, "delete-selected-confirmation")

    def test_ordinary_filters_search_and_pages_still_work(self):
        questions = reverse("admin:answers_question_changelist")
        for query in [{"status__exact": "published"}, {"q": "contagious"}, {}]:
            with self.subTest(query=query):
                self.assertEqual(self.client.get(questions, query).status_code, 200)
        change = reverse("admin:answers_question_change", args=[self.question.pk])
        self.assertEqual(self.client.get(change).status_code, 200)

    def test_the_axes_clean_up_action_works(self):
        attempt = AccessAttempt.objects.create(
            username="someone",
            ip_address="10.0.0.1",
            user_agent="test",
            failures_since_start=3,
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=timezone.now() - timedelta(days=2)
        )
        response = self.client.post(
            reverse("admin:axes_accessattempt_changelist"),
            {
                "action": "cleanup_expired_attempts",
                "_selected_action": [AccessAttempt.objects.get().pk],
                "index": 0,
            },
            follow=True,
        )
        self.assertContains(response, "Cleaned up 1 expired access attempts.")
        self.assertFalse(AccessAttempt.objects.exists())

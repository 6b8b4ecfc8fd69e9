"""Every admin page an editor uses renders for each role, with query counts that
do not grow with the amount of content."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import services
from devdata.personas import PersonasTestCase, draft, edit, make_condition, publish


class AdminPagesTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        cls.live = draft(cls.writer, cls.condition)
        publish(cls.live, writer=cls.writer, reviewer=cls.reviewer)
        edit(cls.live, cls.writer, short_answer="No. You cannot catch it from anyone.")
        services.submit_for_review(item=cls.live, user=cls.writer)

    def add_content(self, count: int) -> None:
        for _ in range(count):
            condition = make_condition()
            question = draft(self.writer, condition)
            publish(question, writer=self.writer, reviewer=self.reviewer)
            edit(question, self.writer, body=question.body + "\n\nMore words.")
            services.submit_for_review(item=question, user=self.writer)

    def urls(self, user=None) -> list[str]:
        pk = self.live.pk
        if user is not None and user == self.moderator:
            return [
                reverse("admin:index"),
                reverse("admin:answers_question_changelist"),
                reverse("admin:answers_question_change", args=[pk]),
                reverse("admin:answers_question_review", args=[pk]),
                reverse("admin:answers_condition_changelist"),
                reverse("admin:answers_answerrevision_changelist"),
            ]
        return [
            reverse("admin:index"),
            reverse("admin:answers_question_changelist"),
            reverse("admin:answers_question_changelist") + "?queue=mine",
            reverse("admin:answers_question_changelist") + "?queue=overdue",
            reverse("admin:answers_question_changelist") + "?q=contagious",
            reverse("admin:answers_question_change", args=[pk]),
            reverse("admin:answers_question_review", args=[pk]),
            reverse("admin:answers_question_history", args=[pk]),
            reverse("admin:answers_question_revision_detail", args=[pk, 1]),
            reverse("admin:answers_condition_changelist"),
            reverse("admin:answers_condition_change", args=[self.condition.pk]),
            reverse("admin:answers_reviewer_changelist"),
            reverse("admin:answers_answerrevision_changelist"),
            reverse("admin:answers_reviewevent_changelist"),
        ]

    def query_counts(self, user) -> dict[str, int]:
        self.client.force_login(user)
        counts = {}
        for url in self.urls(user):
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200, f"{user} {url}")
            counts[url] = len(queries)
        return counts

    def test_pages_render_for_every_role_with_bounded_queries(self):
        for user in [self.writer, self.reviewer, self.moderator, self.admin]:
            with self.subTest(user=user.username):
                self.query_counts(user)  # warm per-process caches (content types)
                before = self.query_counts(user)
                self.add_content(5)
                after = self.query_counts(user)
                self.maxDiff = None
                self.assertEqual(before, after)
                self.assertLess(max(after.values()), 40)

    def test_moderator_sees_content_read_only_and_no_audit_editing(self):
        self.client.force_login(self.moderator)
        change = self.client.get(
            reverse("admin:answers_question_change", args=[self.live.pk])
        )
        self.assertEqual(change.status_code, 200)
        self.assertNotContains(change, 'name="_save"')
        self.assertEqual(
            self.client.get(reverse("admin:answers_reviewer_changelist")).status_code,
            403,
        )

    def test_members_cannot_reach_the_admin(self):
        self.client.force_login(self.member)
        response = self.client.get(reverse("admin:answers_question_changelist"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])

    def test_audit_rows_cannot_be_added_changed_or_deleted_in_the_admin(self):
        self.client.force_login(self.admin)
        event = self.live.events.first()
        self.assertEqual(
            self.client.get(reverse("admin:answers_reviewevent_add")).status_code, 403
        )
        self.assertEqual(
            self.client.post(
                reverse("admin:answers_reviewevent_delete", args=[event.pk]),
                {"post": "yes"},
            ).status_code,
            403,
        )
        page = self.client.get(
            reverse("admin:answers_reviewevent_change", args=[event.pk])
        )
        self.assertNotContains(page, 'name="_save"')

"""The "terminology changed" review queue: a condition whose codes a newly
loaded release retired sits in it, for writers and reviewers (not
moderators), on the admin home page, in the condition list's queue filter,
with the change explained in the condition's workflow box and on its review
screen, until a reviewer approves facts without the retired code.

Small releases made of real concepts (devdata.terminology.sample_data) keep
this fast; answers/tests/test_import_terminology.py does the same on the
whole catalogue.
"""

import hashlib
from dataclasses import replace

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers import services
from answers.models import ConditionCode, TerminologyAlert
from answers.terminology.codes import check_code
from answers.terminology.loading import load
from answers.terminology.sources import SOURCES
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    make_condition,
    publish,
)
from devdata.terminology import sample_data

CODES = ["D47.Z2", "D47.Z9"]
QUEUE = reverse("admin:answers_condition_changelist") + "?queue=terminology"


def retire(code: str) -> None:
    """Load an ICD-10-CM release like the current sample, without `code`."""
    data = sample_data("icd10cm", CODES)
    load(
        SOURCES["icd10cm"],
        replace(
            data,
            version=f"{data.version} without {code}",
            digest=hashlib.sha256(f"{data.digest}-without-{code}".encode()).hexdigest(),
            concepts=[concept for concept in data.concepts if concept.code != code],
        ),
    )


class TerminologyChangedQueueTests(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        # Before the personas, which may load samples of their own.
        load(SOURCES["icd10cm"], sample_data("icd10cm", CODES))
        super().setUpTestData()
        cls.condition = make_condition(name="Castleman disease", slug="castleman")
        ConditionCode.objects.create(
            condition=cls.condition, concept=check_code("ICD-10-CM", "D47.Z2")
        )
        approve_facts(cls.condition, writer=cls.writer, reviewer=cls.reviewer)
        publish(
            draft(cls.writer, cls.condition),
            writer=cls.writer,
            reviewer=cls.reviewer,
        )
        cls.untouched = make_condition(name="Myasthenia gravis", slug="mg")
        retire("D47.Z2")
        cls.alert = TerminologyAlert.objects.get()

    def home_queues(self, user) -> dict[str, str]:
        self.client.force_login(user)
        box = BeautifulSoup(
            self.client.get(reverse("admin:index")).content, "html.parser"
        ).select_one("#review-queues")
        return {
            item.a.get_text(): item.get_text().rsplit(":", 1)[1].strip()
            for item in (box.select("li") if box else [])
        }

    def test_writers_and_reviewers_see_it_counted_on_the_admin_home(self):
        for user in [self.writer, self.reviewer]:
            with self.subTest(user=user.username):
                queues = self.home_queues(user)
                self.assertEqual(queues["Condition facts: terminology changed"], "1")
                self.assertNotIn("Terminology changed", queues)  # not for answers
        self.assertEqual(self.home_queues(self.moderator), {})

    def test_the_queue_lists_the_condition_and_explains_the_change(self):
        self.client.force_login(self.writer)

        response = self.client.get(QUEUE)

        self.assertEqual(list(response.context["cl"].result_list), [self.condition])
        self.assertIn(
            f"ICD-10-CM release {self.alert.release.version} retired D47.Z2 "
            "(Castleman disease).",
            self.alert.explanation,
        )
        change = self.client.get(
            reverse("admin:answers_condition_change", args=[self.condition.pk])
        )
        box = BeautifulSoup(change.content, "html.parser").select_one(
            "#terminology-alerts"
        )
        self.assertIn(self.alert.explanation, box.get_text())
        self.assertIn("Readers keep seeing the approved facts", box.get_text())
        review = self.client.get(
            reverse("admin:answers_condition_review", args=[self.condition.pk])
        )
        self.assertContains(review, self.alert.explanation)
        untouched = self.client.get(
            reverse("admin:answers_condition_change", args=[self.untouched.pk])
        )
        self.assertNotContains(untouched, 'id="terminology-alerts"')

    def test_the_question_list_ignores_the_condition_only_queue(self):
        self.client.force_login(self.reviewer)

        response = self.client.get(
            reverse("admin:answers_question_changelist") + "?queue=terminology"
        )

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["cl"].result_count, 1)

    def test_the_queue_costs_the_same_queries_with_more_alerts(self):
        self.client.force_login(self.reviewer)
        self.client.get(QUEUE)
        with CaptureQueriesContext(connection) as one:
            self.client.get(QUEUE)
        for n in range(5):
            condition = make_condition(name=f"Castleman disease {n}", slug=f"cd-{n}")
            TerminologyAlert.objects.create(
                condition=condition,
                release=self.alert.release,
                system="ICD-10-CM",
                code="D47.Z2",
                change=self.alert.change,
                explanation=self.alert.explanation,
            )

        with CaptureQueriesContext(connection) as six:
            response = self.client.get(QUEUE)

        self.assertEqual(response.context["cl"].result_count, 6)
        self.assertEqual(len(six), len(one))

    def test_a_reviewers_approval_without_the_code_empties_the_queue(self):
        condition = self.condition
        condition.refresh_from_db()

        def swap_code() -> None:
            condition.codes.all().delete()
            ConditionCode.objects.create(
                condition=condition, concept=check_code("ICD-10-CM", "D47.Z9")
            )

        services.save_draft(
            item=condition,
            user=self.writer,
            expected_version=condition.draft_version,
            save_related=swap_code,
        )
        self.client.force_login(self.writer)
        self.assertEqual(
            list(self.client.get(QUEUE).context["cl"].result_list), [condition]
        )
        services.submit_for_review(item=condition, user=self.writer)
        condition.refresh_from_db()
        revision = services.approve(
            item=condition,
            user=self.second_reviewer,
            expected_version=condition.draft_version,
            coi_confirmed=True,
        )

        self.alert.refresh_from_db()
        self.assertEqual(self.alert.resolved_by, revision)
        self.assertEqual(list(self.client.get(QUEUE).context["cl"].result_list), [])
        self.assertEqual(
            self.home_queues(self.reviewer)["Condition facts: terminology changed"],
            "0",
        )

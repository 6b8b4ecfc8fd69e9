"""Criteria sets in the admin: a page of their own with their groups inline.
A set is part of its condition's facts: adding, changing or deleting one is a
draft edit of the condition through its service (permission check, audit
event, History of the condition as a whole), and readers see it once a
reviewer approves the facts."""

from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from answers import services
from answers.models import CriteriaSet, ReviewEvent
from devdata.personas import (
    Client,
    PersonasTestCase,
    add_criteria_set,
    draft,
    make_condition,
    make_poems,
    publish,
)

GROUPS = [
    {
        "category": "Mandatory major criteria",
        "count_rule": "Both are required",
        "items": "Polyneuropathy\r\nMonoclonal plasma cell disorder",
    },
    {
        "category": "Minor criteria",
        "count_rule": "At least one",
        "items": "Papilledema\r\nSkin changes",
    },
]


def set_form(condition, *, groups: list[dict] = GROUPS, **fields) -> dict[str, str]:
    """What the admin's criteria set add form posts."""
    data = {
        "condition": str(condition.pk),
        "title": "Diagnostic criteria for POEMS syndrome",
        "applies_to": "Adults being checked for POEMS syndrome",
        "rule": "Both mandatory criteria, plus at least one minor criterion.",
        "source": "Dispenzieri A. Am J Hematol. 2021",
        "version": "2021 update",
        "order": "1",
        "groups-TOTAL_FORMS": str(len(groups)),
        "groups-INITIAL_FORMS": "0",
        "groups-MIN_NUM_FORMS": "1",
        "groups-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for n, group in enumerate(groups):
        data.update({f"groups-{n}-{key}": value for key, value in group.items()})
        data[f"groups-{n}-order"] = str(n + 1)
    return data


class CriteriaSetAdminTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.condition = make_poems()
        publish(
            draft(cls.writer, cls.condition), writer=cls.writer, reviewer=cls.reviewer
        )

    def page_text(self) -> str:
        """The criteria on the condition page, as an anonymous reader sees it."""
        response = Client().get(self.condition.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        section = BeautifulSoup(response.content, "html.parser").select_one(
            "section.criteria"
        )
        return section.get_text(" ", strip=True) if section else ""

    def approve_facts(self) -> None:
        self.condition.refresh_from_db()
        publish(self.condition, writer=self.writer, reviewer=self.reviewer)

    def test_a_writer_adds_a_set_with_groups_as_a_draft_of_the_facts(self):
        versions = Version.objects.get_for_object(self.condition).count()
        draft_version = self.condition.draft_version
        self.client.force_login(self.writer)
        add = reverse("admin:answers_criteriaset_add")
        form = self.client.get(f"{add}?condition={self.condition.pk}")
        self.assertContains(form, f'<option value="{self.condition.pk}" selected>')

        response = self.client.post(add, set_form(self.condition))

        self.assertEqual(response.status_code, 302, response.content[-3000:])
        criteria_set = CriteriaSet.objects.get(condition=self.condition)
        self.assertEqual(
            [(g["category"], g["items"]) for g in criteria_set.snapshot()["groups"]],
            [
                (
                    "Mandatory major criteria",
                    ["Polyneuropathy", "Monoclonal plasma cell disorder"],
                ),
                ("Minor criteria", ["Papilledema", "Skin changes"]),
            ],
        )
        # Through the condition's service: a new draft version, its audit
        # event, and a History version of the condition holding the set and
        # its groups, all in the writer's name ...
        self.condition.refresh_from_db()
        self.assertEqual(self.condition.draft_version, draft_version + 1)
        event = ReviewEvent.objects.filter(condition=self.condition).latest("pk")
        self.assertEqual(
            (event.action, event.actor), (ReviewEvent.Action.EDITED, self.writer)
        )
        condition_versions = Version.objects.get_for_object(self.condition)
        self.assertEqual(condition_versions.count(), versions + 1)
        revision = condition_versions.first().revision
        self.assertEqual(revision.user, self.writer)
        self.assertEqual(
            sorted(v.content_type.model for v in revision.version_set.all()),
            ["condition", "criteriagroup", "criteriagroup", "criteriaset"],
        )
        # ... which readers see once a reviewer approves the facts, not before.
        self.assertEqual(self.page_text(), "")
        self.approve_facts()
        page = self.page_text()
        self.assertIn("Diagnostic criteria for POEMS syndrome", page)
        self.assertIn("Applies to: Adults being checked for POEMS syndrome", page)
        self.assertIn(
            "Both mandatory criteria, plus at least one minor criterion.", page
        )

    def test_a_set_needs_a_title_a_source_and_at_least_one_group(self):
        self.client.force_login(self.writer)

        response = self.client.post(
            reverse("admin:answers_criteriaset_add"),
            set_form(self.condition, groups=[], title="", source=""),
        )

        self.assertEqual(response.status_code, 200)
        errors = response.context["errors"]
        self.assertIn("This field is required.", str(errors))
        self.assertIn("Please submit at least 1 form.", str(errors))
        self.assertFalse(CriteriaSet.objects.exists())

    def test_the_condition_form_lists_its_sets_with_links_to_edit_and_add(self):
        criteria_set = add_criteria_set(self.condition, rule="")
        self.client.force_login(self.writer)

        response = self.client.get(
            reverse("admin:answers_condition_change", args=[self.condition.pk])
        )

        self.assertContains(
            response,
            reverse("admin:answers_criteriaset_change", args=[criteria_set.pk]),
        )
        self.assertContains(response, "no rule yet")
        self.assertContains(
            response,
            reverse("admin:answers_criteriaset_add")
            + f"?condition={self.condition.pk}",
        )

    def test_changing_and_deleting_a_set_reach_readers_once_approved(self):
        criteria_set = add_criteria_set(self.condition, title="Older criteria")
        group = criteria_set.groups.get()
        self.approve_facts()
        self.assertIn("Older criteria", self.page_text())
        self.client.force_login(self.writer)
        change = reverse("admin:answers_criteriaset_change", args=[criteria_set.pk])
        data = set_form(
            self.condition, groups=[GROUPS[0]], title="Newer criteria", rule="Both."
        )
        data.update({"groups-INITIAL_FORMS": "1", "groups-0-id": str(group.pk)})

        self.assertEqual(self.client.post(change, data).status_code, 302)
        self.assertIn("Older criteria", self.page_text())
        self.approve_facts()
        self.assertIn("Newer criteria", self.page_text())

        delete = reverse("admin:answers_criteriaset_delete", args=[criteria_set.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 302)

        self.assertFalse(CriteriaSet.objects.exists())
        latest = Version.objects.get_for_object(self.condition).first().revision
        self.assertEqual(latest.user, self.writer)
        self.assertEqual(
            [v.content_type.model for v in latest.version_set.all()], ["condition"]
        )
        self.assertIn("Newer criteria", self.page_text())
        self.approve_facts()
        self.assertEqual(self.page_text(), "")

    def test_a_set_saved_over_newer_facts_is_refused(self):
        criteria_set = add_criteria_set(self.condition, title="Older criteria")
        group = criteria_set.groups.get()
        self.client.force_login(self.writer)
        change = reverse("admin:answers_criteriaset_change", args=[criteria_set.pk])
        opened = self.client.get(change).context["adminform"].form
        seen = opened.fields["condition_version"].initial
        # Meanwhile someone saves the condition's facts.
        self.condition.refresh_from_db()
        self.condition.prevalence = "About 1 in 300,000"
        services.save_draft(
            item=self.condition, user=self.reviewer, expected_version=seen
        )
        data = set_form(self.condition, groups=[GROUPS[0]], title="Newer criteria")
        data.update(
            {
                "groups-INITIAL_FORMS": "1",
                "groups-0-id": str(group.pk),
                "condition_version": str(seen),
            }
        )

        response = self.client.post(change, data)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "was changed")
        self.assertContains(response, "Nothing was saved")
        self.assertEqual(CriteriaSet.objects.get().title, "Older criteria")

    def test_a_moderator_can_not_edit_criteria_sets(self):
        self.client.force_login(self.moderator)
        response = self.client.post(
            reverse("admin:answers_criteriaset_add"), set_form(self.condition)
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(CriteriaSet.objects.exists())

    def test_the_list_and_change_pages_run_the_same_queries_with_more_sets(self):
        add_criteria_set(self.condition)
        self.client.force_login(self.writer)
        urls = [
            reverse("admin:answers_criteriaset_changelist"),
            reverse("admin:answers_condition_change", args=[self.condition.pk]),
            reverse(
                "admin:answers_criteriaset_change",
                args=[self.condition.criteria_sets.get().pk],
            ),
        ]

        def counts() -> list[int]:
            found = []
            for url in urls:
                with CaptureQueriesContext(connection) as queries:
                    self.assertEqual(self.client.get(url).status_code, 200)
                found.append(len(queries))
            return found

        counts()  # warm per-process caches (content types)
        before = counts()
        for _ in range(4):
            add_criteria_set(make_condition())
            add_criteria_set(self.condition, groups=GROUPS)

        self.assertEqual(counts(), before)

"""Diagnostic criteria sets: the snapshot approved facts store, the
conversion of the old criteria lists (migration 0011), and the approval of a
condition's facts refused until a converted set has a rule."""

import importlib
from types import SimpleNamespace

from django.test import SimpleTestCase

from answers import services
from answers.exceptions import ChecksFailed
from answers.models import CriteriaGroup, CriteriaSet, Status
from devdata.personas import PersonasTestCase, add_criteria_set, make_condition

conversion = importlib.import_module("answers.migrations.0011_criteria_sets_from_lists")

SOURCE = "Dispenzieri A. POEMS syndrome: 2021 update. Am J Hematol. 2021"


class SnapshotTestCase(PersonasTestCase):
    def test_it_snapshots_the_set_with_its_groups_in_order(self):
        criteria_set = add_criteria_set(
            make_condition(name="POEMS syndrome", slug="poems-syndrome"),
            title="Diagnostic criteria for POEMS syndrome",
            applies_to="Adults only",
            rule="Both mandatory criteria, plus one other major and one minor.",
            source=SOURCE,
            version="2021 update",
            groups=[
                {
                    "category": "Mandatory major criteria",
                    "count_rule": "Both are required",
                    "items": "Polyneuropathy\n\n  Monoclonal plasma cell disorder  \n",
                },
                {"category": "Minor criteria", "items": "Papilledema"},
            ],
        )
        # Saved out of order: the snapshot follows `order`, not the ids.
        CriteriaGroup.objects.filter(criteria_set=criteria_set, order=1).update(order=9)

        self.assertEqual(
            criteria_set.snapshot(),
            {
                "title": "Diagnostic criteria for POEMS syndrome",
                "applies_to": "Adults only",
                "source": SOURCE,
                "version": "2021 update",
                "rule": "Both mandatory criteria, plus one other major and one minor.",
                "groups": [
                    {
                        "category": "Minor criteria",
                        "count_rule": "",
                        "items": ["Papilledema"],
                    },
                    {
                        "category": "Mandatory major criteria",
                        "count_rule": "Both are required",
                        "items": ["Polyneuropathy", "Monoclonal plasma cell disorder"],
                    },
                ],
            },
        )

    def test_the_conditions_draft_facts_hold_its_sets_in_order(self):
        condition = make_condition()
        later = add_criteria_set(condition, title="Later", order=2)
        first = add_criteria_set(condition, title="First", order=1)

        self.assertEqual(
            condition.draft_content()["criteria"], [first.snapshot(), later.snapshot()]
        )


class ConversionTestCase(SimpleTestCase):
    """The pure conversion the data migration applies to each condition."""

    LISTS = [
        {"category": "Major", "items": "A\nB", "source": SOURCE, "version": "2021"},
        {"category": "Older", "items": "C", "source": SOURCE, "version": "2014"},
        {"category": "Minor", "items": "D", "source": SOURCE, "version": "2021"},
    ]

    def test_lists_sharing_source_and_version_become_one_set(self):
        sets = conversion.sets_from_lists(self.LISTS)

        self.assertEqual(
            sets,
            [
                {
                    "title": "Diagnostic criteria",
                    "applies_to": "",
                    "source": SOURCE,
                    "version": "2021",
                    "rule": "",
                    "order": 1,
                    "groups": [
                        {
                            "category": "Major",
                            "count_rule": "",
                            "items": "A\nB",
                            "order": 1,
                        },
                        {
                            "category": "Minor",
                            "count_rule": "",
                            "items": "D",
                            "order": 2,
                        },
                    ],
                },
                {
                    "title": "Diagnostic criteria",
                    "applies_to": "",
                    "source": SOURCE,
                    "version": "2014",
                    "rule": "",
                    "order": 2,
                    "groups": [
                        {
                            "category": "Older",
                            "count_rule": "",
                            "items": "C",
                            "order": 1,
                        }
                    ],
                },
            ],
        )

    def test_going_back_gives_one_list_per_group(self):
        sets = conversion.sets_from_lists(self.LISTS)
        sets[0]["groups"][0]["count_rule"] = "Both"

        lists = conversion.lists_from_sets(sets)

        self.assertEqual(
            [(entry["category"], entry["version"], entry["order"]) for entry in lists],
            [("Major (Both)", "2021", 1), ("Minor", "2021", 2), ("Older", "2014", 3)],
        )


class ConversionWritesRowsTestCase(PersonasTestCase):
    """The migration's forward step, with today's CriteriaSet and CriteriaGroup
    (the same fields as the migration's) and the old lists as plain rows."""

    def test_it_writes_one_set_per_source_and_version_for_each_condition(self):
        poems, other = make_condition(), make_condition()
        old_rows = [
            SimpleNamespace(condition_id=poems.pk, **entry)
            for entry in ConversionTestCase.LISTS
        ] + [
            SimpleNamespace(
                condition_id=other.pk,
                category="Minor",
                items="E",
                source="Other",
                version="",
            )
        ]

        # Stands in for the historical model: rows in the order the
        # migration asks for (condition, order, pk).
        old_lists = SimpleNamespace(
            objects=SimpleNamespace(
                order_by=lambda *fields: SimpleNamespace(
                    iterator=lambda: iter(old_rows)
                )
            )
        )
        models = {
            "CriteriaList": old_lists,
            "CriteriaSet": CriteriaSet,
            "CriteriaGroup": CriteriaGroup,
        }
        apps = SimpleNamespace(get_model=lambda app, name: models[name])

        conversion.convert_lists(apps, schema_editor=None)

        self.assertEqual(
            [
                (s.title, s.version, s.rule, [g.category for g in s.groups.all()])
                for s in poems.criteria_sets.all()
            ],
            [
                ("Diagnostic criteria", "2021", "", ["Major", "Minor"]),
                ("Diagnostic criteria", "2014", "", ["Older"]),
            ],
        )
        self.assertEqual(other.criteria_sets.get().groups.get().item_list, ["E"])

    def test_approval_is_refused_until_a_converted_set_has_a_rule(self):
        condition = make_condition()
        criteria_set = add_criteria_set(condition, title="Diagnostic criteria", rule="")
        services.submit_for_review(item=condition, user=self.writer)

        with self.assertRaises(ChecksFailed) as raised:
            services.approve(
                item=condition,
                user=self.reviewer,
                expected_version=condition.draft_version,
                coi_confirmed=True,
            )

        self.assertIn(
            "Criteria set “Diagnostic criteria” has no rule.", str(raised.exception)
        )
        condition.refresh_from_db()
        self.assertEqual(condition.status, Status.IN_REVIEW)
        self.assertIsNone(condition.live_revision)

        # A writer writes the rule, as a draft edit of the condition.
        services.save_draft(
            item=condition,
            user=self.writer,
            expected_version=condition.draft_version,
            save_related=lambda: CriteriaSet.objects.filter(pk=criteria_set.pk).update(
                rule="Both major criteria."
            ),
        )
        revision = services.approve(
            item=condition,
            user=self.reviewer,
            expected_version=condition.draft_version,
            coi_confirmed=True,
        )

        criteria_set.refresh_from_db()
        self.assertEqual(revision.criteria, [criteria_set.snapshot()])
        self.assertEqual(revision.criteria[0]["rule"], "Both major criteria.")

"""Convert each condition's criteria lists into criteria sets, and let the
editorial groups edit sets and their groups as they edited lists.

The lists of one condition that share a source and version become one set
titled "Diagnostic criteria", each list one of its groups, in their order. A
list said neither whom it applies to nor how its categories combine, so the
set's rule and the groups' count rules stay empty: the pre-approval checks
refuse an answer showing a set without a rule until a writer writes one.
Approved revisions keep the lists they were approved with; pages render both.

Going back turns each group into a list again (its count rule appended to the
category); titles, applies-to and rules are lost.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TITLE = "Diagnostic criteria"

# Frozen here, as in 0002_roles: the groups get the same rights on sets and
# their groups as they had on lists.
CRITERIA_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("criteriaset", "criteriagroup")
    for action in ("view", "add", "change", "delete")
]
EDITING_GROUPS = ["Writer", "Medical reviewer"]


def sets_from_lists(lists: list[dict]) -> list[dict]:
    """One condition's lists ({category, items, source, version}, in display
    order) as sets ({title, applies_to, source, version, rule, order, groups:
    [{category, count_rule, items, order}]}), one per (source, version), in
    the order each first appears."""
    sets: dict[tuple[str, str], dict] = {}
    for entry in lists:
        key = (entry["source"], entry["version"])
        if key not in sets:
            sets[key] = {
                "title": TITLE,
                "applies_to": "",
                "source": entry["source"],
                "version": entry["version"],
                "rule": "",
                "order": len(sets) + 1,
                "groups": [],
            }
        groups = sets[key]["groups"]
        groups.append(
            {
                "category": entry["category"],
                "count_rule": "",
                "items": entry["items"],
                "order": len(groups) + 1,
            }
        )
    return list(sets.values())


def lists_from_sets(sets: list[dict]) -> list[dict]:
    """The way back: each group a list with its set's source and version."""
    lists = []
    for criteria_set in sets:
        for group in criteria_set["groups"]:
            category = group["category"]
            if group["count_rule"]:
                category = f"{category} ({group['count_rule']})"
            lists.append(
                {
                    "category": category[:200],
                    "items": group["items"],
                    "source": criteria_set["source"],
                    "version": criteria_set["version"],
                    "order": len(lists) + 1,
                }
            )
    return lists


def _by_condition(rows) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in rows:
        found.setdefault(row.condition_id, []).append(row)
    return found


def convert_lists(apps, schema_editor):
    CriteriaList = apps.get_model("answers", "CriteriaList")
    CriteriaSet = apps.get_model("answers", "CriteriaSet")
    CriteriaGroup = apps.get_model("answers", "CriteriaGroup")
    rows = CriteriaList.objects.order_by("condition_id", "order", "pk").iterator()
    for condition_id, lists in _by_condition(rows).items():
        entries = [
            {
                "category": row.category,
                "items": row.items,
                "source": row.source,
                "version": row.version,
            }
            for row in lists
        ]
        for values in sets_from_lists(entries):
            groups = values.pop("groups")
            criteria_set = CriteriaSet.objects.create(
                condition_id=condition_id, **values
            )
            CriteriaGroup.objects.bulk_create(
                CriteriaGroup(criteria_set=criteria_set, **group) for group in groups
            )


def convert_sets(apps, schema_editor):
    CriteriaList = apps.get_model("answers", "CriteriaList")
    CriteriaSet = apps.get_model("answers", "CriteriaSet")
    sets = CriteriaSet.objects.order_by("condition_id", "order", "pk")
    for condition_id, rows in _by_condition(sets.prefetch_related("groups")).items():
        entries = [
            {
                "source": row.source,
                "version": row.version,
                "groups": [
                    {
                        "category": group.category,
                        "count_rule": group.count_rule,
                        "items": group.items,
                    }
                    for group in row.groups.order_by("order", "pk")
                ],
            }
            for row in rows
        ]
        CriteriaList.objects.bulk_create(
            CriteriaList(condition_id=condition_id, **values)
            for values in lists_from_sets(entries)
        )


def grant_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure the
    # ones granted below exist already (as 0002_roles does).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="answers", codename__in=CRITERIA_PERMISSIONS
    )
    missing = set(CRITERIA_PERMISSIONS) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"Permissions missing: {sorted(missing)}")
    for group in Group.objects.filter(name__in=EDITING_GROUPS):
        group.permissions.add(*permissions)


def revoke_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="answers", codename__in=CRITERIA_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=EDITING_GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("answers", "0010_criteria_sets"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(convert_lists, convert_sets),
        migrations.RunPython(grant_permissions, revoke_permissions),
    ]

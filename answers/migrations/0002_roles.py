"""Create the editorial groups with their permissions.

The permission lists are frozen here on purpose: later migrations that add
models (community, moderation) grant their own permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITING = [
    "view_condition",
    "add_condition",
    "change_condition",
    "view_conditioncode",
    "add_conditioncode",
    "change_conditioncode",
    "delete_conditioncode",
    "view_criterialist",
    "add_criterialist",
    "change_criterialist",
    "delete_criterialist",
    "view_question",
    "add_question",
    "change_question",
    "submit_question",
    "view_reference",
    "add_reference",
    "change_reference",
    "delete_reference",
    "view_answerrevision",
    "view_reviewevent",
    "view_reviewer",
]

GROUPS = {
    "Writer": EDITING,
    # Reviewers can also edit (to fix a typo), which makes them an author of that
    # version: the four-eyes rule then needs a second reviewer to approve it.
    "Medical reviewer": [*EDITING, "review_question", "unpublish_question"],
    "Moderator": ["view_condition", "view_question", "view_answerrevision"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure the ones
    # granted below exist already.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="answers", codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for {name}: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("answers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]

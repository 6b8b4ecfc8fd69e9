"""Give the Moderator group (created in answers/0002_roles) the community rights."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR = [
    "moderate_experience",
    "view_experience",
    "view_report",
    "view_moderationevent",
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderator")
    permissions = Permission.objects.filter(
        content_type__app_label="community", codename__in=MODERATOR
    )
    missing = set(MODERATOR) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Permissions missing: {sorted(missing)}")
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Moderator"):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="community")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("answers", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

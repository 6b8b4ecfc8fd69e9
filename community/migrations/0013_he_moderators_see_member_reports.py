"""Moderators read reports about members and the record of what was decided."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR = ["view_memberreport", "view_membermoderationevent"]


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
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Moderator"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="community", codename__in=MODERATOR
            )
        )


class Migration(migrations.Migration):
    dependencies = [("community", "0012_he_mutes_and_member_reports")]

    operations = [migrations.RunPython(grant, revoke)]

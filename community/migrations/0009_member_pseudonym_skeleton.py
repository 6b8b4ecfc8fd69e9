"""Every member's pseudonym skeleton, so a new name can be compared with theirs.

Existing names are not changed: two members whose names now look alike keep
them (`manage.py check_pseudonyms` lists them for a site admin).
"""

from django.db import migrations, models

from community.names import pseudonym_skeleton

BATCH = 2000


def fill_skeletons(apps, schema_editor) -> None:
    Member = apps.get_model("community", "Member")
    # In batches of ids, not over an open cursor: SQLite does not isolate a
    # cursor from updates to the table it reads.
    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        members = list(
            Member.objects.filter(pk__in=ids[start : start + BATCH]).only(
                "pk", "pseudonym"
            )
        )
        for member in members:
            member.pseudonym_skeleton = pseudonym_skeleton(member.pseudonym)
        Member.objects.bulk_update(members, ["pseudonym_skeleton"])


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_reports_weighted"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="pseudonym_skeleton",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(
                fields=["pseudonym_skeleton"], name="member_pseudonym_skeleton_idx"
            ),
        ),
    ]

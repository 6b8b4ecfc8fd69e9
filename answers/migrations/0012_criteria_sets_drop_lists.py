"""Remove the criteria lists, now converted into sets (0011)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("answers", "0011_criteria_sets_from_lists"),
    ]

    operations = [
        migrations.DeleteModel(
            name="CriteriaList",
        ),
    ]

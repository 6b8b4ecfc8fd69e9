# Joins redaction (issue 18) to the other branches of the issue. Both sides
# added moderation record kinds; the record's choices are their union (no
# column changes: choices live in Python).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0012_hd_redaction"),
        ("community", "0014_merge_audience_medical_mutes"),
    ]

    operations = [
        migrations.AlterField(
            model_name='moderationevent',
            name='action',
            field=models.CharField(choices=[('approved', 'Approved'), ('hidden', 'Hidden'), ('removed', 'Removed'), ('auto_hidden', 'Hidden after reports'), ('edit_approved', 'Edit approved'), ('edit_rejected', 'Edit rejected'), ('reviewed', 'Checked after publication'), ('reports_dismissed', 'Reports dismissed'), ('review_requested', 'Author asked for a review'), ('flagged', 'Flagged by screening'), ('risk_alert', 'Overdue high-risk alert sent to moderators'), ('sent_to_reviewer', 'Sent to a medical reviewer'), ('reviewer_published', "Published with a reviewer's note"), ('reviewer_asked_edit', 'Reviewer asked for an edit'), ('reviewer_hid', 'Hidden by a medical reviewer'), ('edited_for_reviewer', 'Author edited for the reviewer'), ('redacted', 'Redacted: identifying details removed'), ('redaction_accepted', 'Author accepted the redaction'), ('redaction_edited', 'Author rewrote the redacted post'), ('redaction_expired', 'Original erased: the author did not answer the redaction')], max_length=30),
        ),
    ]

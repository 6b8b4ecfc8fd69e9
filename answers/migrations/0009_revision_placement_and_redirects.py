"""Approved revisions hold the answer's address and place (slug, kind, topic,
order), and approved slug changes leave redirects behind.

Revisions approved before this migration did not record these. Each gets its
question's values as they are now: that is what the public site showed until
now (it read them from the question), so readers see no change.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_placement(apps, schema_editor):
    AnswerRevision = apps.get_model("answers", "AnswerRevision")
    Question = apps.get_model("answers", "Question")
    for question in Question.objects.filter(revisions__isnull=False).distinct():
        AnswerRevision.objects.filter(question=question).update(
            slug=question.slug,
            kind=question.kind,
            topic=question.topic,
            order=question.order,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("answers", "0008_stored_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="answerrevision",
            name="slug",
            field=models.SlugField(default="", max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="answerrevision",
            name="kind",
            field=models.CharField(
                choices=[
                    ("short_answer", "Short answer"),
                    ("explainer", "Explainer"),
                ],
                default="short_answer",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="answerrevision",
            name="topic",
            field=models.CharField(
                choices=[
                    ("about", "About the condition"),
                    ("causes", "Causes"),
                    ("symptoms", "Symptoms"),
                    ("diagnosis", "Diagnosis"),
                    ("treatment", "Treatment"),
                    ("living", "Daily life"),
                    ("outlook", "Outlook"),
                ],
                default="about",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="answerrevision",
            name="order",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(copy_placement, migrations.RunPython.noop),
        migrations.CreateModel(
            name="Redirect",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("old_slug", models.SlugField(max_length=100)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now),
                ),
                (
                    "condition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="redirects",
                        to="answers.condition",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="redirects",
                        to="answers.question",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("question__isnull", False)),
                        fields=("condition", "old_slug"),
                        name="redirect_unique_answer_slug",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("question__isnull", True)),
                        fields=("old_slug",),
                        name="redirect_unique_condition_slug",
                    ),
                ],
            },
        ),
    ]

"""Diagnostic criteria sets: a title, whom the criteria apply to, the source,
the rule that combines the groups, and the groups with how many of their items
count. The lists they replace are converted by 0011 and removed by 0012.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('answers', '0009_revision_placement_and_redirects'),
    ]

    operations = [
        migrations.CreateModel(
            name='CriteriaSet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(help_text='What readers see as the heading, e.g. “Diagnostic criteria for POEMS syndrome”.', max_length=200)),
                ('applies_to', models.CharField(blank=True, help_text='Whom these criteria are for, and whom not, e.g. “Adults with idiopathic multicentric Castleman disease (iMCD) only; not unicentric or HHV-8-associated forms”.', max_length=400)),
                ('source', models.CharField(help_text='The publication that defines these criteria.', max_length=400)),
                ('version', models.CharField(blank=True, help_text='Edition or year, e.g. “2021 update”.', max_length=60)),
                ('rule', models.TextField(blank=True, help_text='How the groups combine into a diagnosis, in plain words, e.g. “Both major criteria, plus at least 2 of the 11 minor criteria, with at least one laboratory abnormality”. Required before an answer showing these criteria can be approved.')),
                ('order', models.PositiveSmallIntegerField(default=0, help_text="Position among this condition's criteria sets.")),
                ('condition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria_sets', to='answers.condition')),
            ],
            options={
                'verbose_name': 'diagnostic criteria set',
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CriteriaGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(help_text='e.g. “Major criteria” or “Minor criteria”.', max_length=200)),
                ('count_rule', models.CharField(blank=True, help_text='How many of these items count, for readers, e.g. “Both are required” or “At least 2”.', max_length=200)),
                ('items', models.TextField(help_text='One criterion per line. A group can never be empty.')),
                ('order', models.PositiveSmallIntegerField(default=0, help_text='Position within the set.')),
                ('criteria_set', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='groups', to='answers.criteriaset')),
            ],
            options={
                'verbose_name': 'criteria group',
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.AddConstraint(
            model_name='criteriagroup',
            constraint=models.CheckConstraint(condition=models.Q(('items', ''), _negated=True), name='criteriagroup_items_not_empty'),
        ),
    ]

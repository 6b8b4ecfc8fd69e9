"""The condition-name index (answers/name_index.py), with its PostgreSQL
indexes for the ways public/condition_search.py matches a name.

As in 0006, the PostgreSQL-only indexes are plain SQL behind a vendor check:
SQLite has neither operator classes nor pg_trgm, and keeping them out of the
model state keeps `makemigrations --check` clean on both databases. Fill the
index once after migrating: `manage.py rebuild_search_index`.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('answers', '0014_terminology_catalogue'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConditionName',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='As its source spells it.', max_length=500)),
                ('normalised', models.CharField(help_text='diseasemaps.lib.names.normalise(name).', max_length=500)),
                ('initial', models.CharField(help_text='Its letter in the A–Z.', max_length=1)),
                ('kind', models.CharField(choices=[('name', 'name'), ('acronym', 'acronym'), ('expansion', 'acronym expansion'), ('synonym', 'other name'), ('preferred', "catalogue's preferred name"), ('exact', 'exact synonym'), ('abbreviation', 'abbreviation'), ('lay', 'lay term'), ('related', 'related term'), ('inclusion', 'inclusion term')], max_length=15)),
                ('listed', models.BooleanField(default=False, help_text="A line of the A–Z index: the entry's name, or the first of its other names with this spelling.")),
                ('phenotype', models.BooleanField(default=False)),
                ('concept', models.ForeignKey(blank=True, help_text='The concept whose plain page a catalogue-only entry leads to.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='answers.concept')),
                ('condition', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='index_names', to='answers.condition')),
                ('found_in', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='answers.concept')),
            ],
            options={
                'indexes': [models.Index(fields=['normalised'], name='conditionname_normalised'), models.Index(condition=models.Q(('listed', True)), fields=['initial', 'normalised'], name='conditionname_letter')],
            },
        ),
    ]


INDEXES = [
    # public.condition_search: `normalised LIKE 'crow fukase%'` (a name
    # typed from its start). The model's plain index answers `=` only.
    ("conditionname_prefix", "USING btree (normalised varchar_pattern_ops)"),
    # public.condition_search: `normalised % 'takatsky'` ordered by
    # similarity (a name with a typo).
    ("conditionname_trgm", "USING gin (normalised gin_trgm_ops)"),
    # public.condition_search: `to_tsvector('simple', normalised) @@
    # to_tsquery('simple', 'fukase:*')` (every word typed, in any order).
    ("conditionname_words", "USING gin (to_tsvector('simple'::regconfig, normalised))"),
    # public.condition_search: the names one edit from a short text ("poms"),
    # `length(normalised) BETWEEN 3 AND 5 AND normalised LIKE ANY(...)`.
    ("conditionname_length", "USING btree (length(normalised))"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON answers_conditionname {definition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


Migration.operations += [
    migrations.RunPython(create_indexes, drop_indexes, elidable=False)
]

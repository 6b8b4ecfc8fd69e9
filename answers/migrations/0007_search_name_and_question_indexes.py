"""PostgreSQL full-text indexes on a search entry's names and question alone.

public.search finds its candidates kind by kind (PostgresQuery.candidates):
matches in the condition's names, in the question, anywhere. With only the
GIN index on the whole document, "matches in the names" had to read every
document that has the words anywhere, which at 100,000 answers is most of
them for words such as "treatment". The expressions must stay exactly as
public.search.PostgresQuery writes them, or the planner cannot use them.
Created like 0006: plain SQL behind a vendor check.
"""

from django.db import migrations

INDEXES = [
    (
        "answers_searchentry_terms_fts",
        "USING gin (to_tsvector('english'::regconfig, condition_terms))",
    ),
    (
        "answers_searchentry_question_fts",
        "USING gin (to_tsvector('english'::regconfig, question_text))",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON answers_searchentry {definition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("answers", "0006_search_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]

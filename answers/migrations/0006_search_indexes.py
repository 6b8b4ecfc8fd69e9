"""PostgreSQL indexes for search: full-text (GIN on the weighted document) and
typo-tolerant matching (pg_trgm GIN on condition names and question text).

They are created with plain SQL behind a vendor check rather than declared in
SearchEntry.Meta: SQLite has neither GIN nor pg_trgm, and keeping them out of
the model state keeps `makemigrations --check` clean on both databases.
"""

from django.db import migrations

INDEXES = [
    # public.search: `document @@ websearch_to_tsquery(...)`.
    ("answers_searchentry_document_gin", "USING gin (document)"),
    # public.search: `query <% condition_terms` (typos in names, e.g. "poms").
    (
        "answers_searchentry_terms_trgm",
        "USING gin (condition_terms gin_trgm_ops)",
    ),
    # public.search: `query <% question_text` (typos in questions).
    (
        "answers_searchentry_question_trgm",
        "USING gin (question_text gin_trgm_ops)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may
    # create it without being a superuser.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON answers_searchentry {definition}"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other database objects may have come to use it.


class Migration(migrations.Migration):

    dependencies = [
        ("answers", "0005_search_entry"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]

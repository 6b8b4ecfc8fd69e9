"""Write many rows straight into a model's table, bypassing the ORM.

For generated data sets only (`manage.py generate_dataset`): rows are tuples in
the order of the field names given, with the values exactly as they should be
stored. Nothing runs per row: no `save()`, no `auto_now`, no signals, no
validation. That is the point (a million `save()` calls take hours), and the
reason this must never be used for content people write.

PostgreSQL gets `COPY … FROM STDIN` (psycopg 3), the fastest way in; SQLite,
used at small sizes in tests, gets `executemany` with Django's own conversion
of each value, so both databases store the same thing.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max


class BulkLoader:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.postgresql = connection.vendor == "postgresql"
        self.written: dict[type[models.Model], int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        """The first free primary key: ids are chosen here, not by the database,
        so rows can point at each other before they are written."""
        top = model.objects.using(self.connection.alias).aggregate(top=Max("pk"))
        return (top["top"] or 0) + 1

    def write(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Iterable[Sequence[Any]],
    ) -> int:
        """Insert `rows` (tuples in the order of `fields`); returns how many.

        JSON fields take text that is already JSON: the generator serialises
        each distinct value once instead of once per row.
        """
        opts = model._meta
        concrete = [opts.get_field(name) for name in fields]
        table = self.connection.ops.quote_name(opts.db_table)
        columns = ", ".join(self.connection.ops.quote_name(f.column) for f in concrete)
        with self.connection.cursor() as cursor:
            if self.postgresql:
                count = 0
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                convert = [self._converter(field) for field in concrete]
                values = [
                    [c(value) for c, value in zip(convert, row, strict=True)]
                    for row in rows
                ]
                marks = ", ".join(["%s"] * len(concrete))
                # Names come from the model's _meta, values are parameters.
                insert = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608
                cursor.executemany(insert, values)
                count = len(values)
        self.written[model] = self.written.get(model, 0) + count
        return count

    def _converter(self, field: models.Field) -> Callable[[Any], Any]:
        if isinstance(field, models.JSONField):
            return lambda value: value
        return lambda value: field.get_db_prep_save(value, self.connection)

    @contextmanager
    def foreign_keys_checked_at_end(
        self, models_: Iterable[type[models.Model]]
    ) -> Iterator[None]:
        """Check the foreign keys from and to these tables once, after loading,
        instead of once per row (PostgreSQL).

        Each row written would queue a check of every key it holds, and each
        row deleted a check of every key that may point at it, run one by one
        at commit: millions of index lookups. Adding the constraints
        back afterwards checks every row in one join per key, and it happens
        inside the caller's transaction, so a bad row still fails the whole
        load. Nobody else should use these tables meanwhile: ALTER TABLE
        locks them until the transaction ends.
        """
        if not self.postgresql:
            yield
            return
        tables = [model._meta.db_table for model in models_]
        run_deferred_checks(self.connection)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND (conrelid = ANY(%(tables)s::regclass[]) "
                "OR confrelid = ANY(%(tables)s::regclass[])) ORDER BY 1, 2",
                {"tables": tables},
            )
            constraints = cursor.fetchall()
            for table, name, _definition in constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        yield
        with self.connection.cursor() as cursor:
            for table, name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
                )

    @contextmanager
    def indexes_built_at_end(
        self, models_: Iterable[type[models.Model]]
    ) -> Iterator[None]:
        """Build the secondary indexes of these tables once, after loading,
        instead of updating them row by row (PostgreSQL).

        Sorting a whole column once is several times faster than a million
        inserts into a B-tree or GIN index, and gives compact indexes.
        Indexes that back a primary key or unique constraint stay (foreign
        keys and ON CONFLICT need them). As with foreign keys, this happens in
        the caller's transaction: a duplicate in a unique index still fails
        the whole load, and the tables stay locked until it ends.
        """
        if not self.postgresql:
            yield
            return
        tables = [model._meta.db_table for model in models_]
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) "
                "ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with self.connection.cursor() as cursor:
            # Sorting in memory rather than on disk, for this transaction only.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)

    def reset_sequences(self, models_: Iterable[type[models.Model]]) -> None:
        """Let the database hand out ids after ours again (PostgreSQL identity
        sequences; SQLite's AUTOINCREMENT follows inserted ids by itself)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(models_))
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def analyze(self, models_: Iterable[type[models.Model]]) -> None:
        """Fresh planner statistics (PostgreSQL) and, through VACUUM, the
        visibility map that index-only scans need; outside any transaction."""
        with self.connection.cursor() as cursor:
            if not self.postgresql:
                cursor.execute("ANALYZE")
                return
            # VACUUM cannot run in a transaction (e.g. inside a test case).
            command = (
                "ANALYZE" if self.connection.in_atomic_block else "VACUUM (ANALYZE)"
            )
            for model in models_:
                table = self.connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"{command} {table}")


def run_deferred_checks(connection: BaseDatabaseWrapper) -> None:
    """Run the foreign key checks queued so far in this transaction.

    PostgreSQL refuses to TRUNCATE or ALTER a table while checks of its rows
    are pending (e.g. rows written or deleted earlier in the transaction).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

"""What follows from a change to public content, in one place.

Services call `public_content_changed` inside the transaction that made the
change: the content version moves on (so caches and ETags change) and the
search index is brought up to date for the questions and conditions involved.
"""

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from answers import search
from answers.models import Condition, PublicVersion, Question


def current_version() -> PublicVersion:
    """The row every anonymous request reads, cached page or not.

    Plain SQL: on a page served from the cache this is the request's only
    query, and building it through the ORM cost more than running it.
    """
    connection = connections[router.db_for_read(PublicVersion)]
    table = connection.ops.quote_name(PublicVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT version, changed_at FROM {table} WHERE id = 1")  # noqa: S608  # nosec B608 - a model's own table name
        row = cursor.fetchone()
    if row is None:
        version, _ = PublicVersion.objects.get_or_create(pk=1)
        return version
    number, changed_at = row
    # SQLite hands back text or a naive UTC value; PostgreSQL an aware one.
    if isinstance(changed_at, str):
        changed_at = parse_datetime(changed_at)
    if timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, connection.timezone)
    return PublicVersion(pk=1, version=number, changed_at=changed_at)


def public_content_changed(
    *,
    questions: Iterable[Question] = (),
    conditions: Iterable[Condition] = (),
) -> None:
    updated = PublicVersion.objects.filter(pk=1).update(
        version=F("version") + 1, changed_at=timezone.now()
    )
    if not updated:
        PublicVersion.objects.get_or_create(pk=1, defaults={"version": 2})
    search.refresh(questions=list(questions), conditions=list(conditions))

"""Answer and condition pages, rendered when their content changes rather than
each time someone reads them.

Rendering an answer page costs some twenty milliseconds of ORM and template
work (README, "Performance"), and what it shows changes only when an editor,
a reviewer, a moderator or a member changes something. So a page rendered for
an anonymous reader is kept in `StoredPage`, and later anonymous readers get it
with one query (by its path, with the public content version in the same
statement). The one part that changes without any edit, the overdue notice
(it appears at midnight), is left as a marker and filled in each time the page
is served.

A stored page exists only while nothing it shows has changed:

- Every change to what a condition's pages show, editorial (answers.
  publication.public_content_changed) or from the community
  (community_content_changed), stamps the condition (`PageStamp`) with the new
  public version and deletes its stored pages, in the transaction that makes
  the change. An answer page lists its condition's other questions, so all of
  them go together.
- A page being rendered while such a change commits must not be stored after
  it. `store` locks the condition's stamp and refuses a page whose `version`
  (the public version read before any of its content) is older than the
  stamp; a change writes the stamp before it deletes, so it waits for a page
  being stored and then deletes it too. That also makes a page rendered from
  a lagging replica safe to store on the primary: if its condition changed
  since, the stamp refuses it.
- `PublicVersion.pages_since`: a change with no condition to name (a
  reviewer's profile, a new dataset) makes every page stored before it stale.
- `release`: a deploy with new templates renders every page again.

A missing or stale page is rendered the ordinary way, served, and stored in
place of the old copy. `manage.py render_pages` renders every page that has no
current copy, after a deploy or a bulk load. Logged-in readers, and readers
with a session or pending messages, get the templates rendered for them and
never a stored page.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe

from answers.models import PageStamp, PublicVersion, StoredPage
from answers.versions import PageVersion, aware, condition_version_sql
from public.caching import internal_header, is_anonymous_reader

logger = logging.getLogger(__name__)

# A comment no content can produce: editorial and member text is escaped ("<"
# becomes "&lt;") and answer HTML is sanitised without comments.
OVERDUE = mark_safe("<!--dm:live overdue-->")  # nosec B308 B703
LIVE = {"overdue": OVERDUE}
# Stored pages are written to the primary, whichever database the request reads.
PRIMARY = "default"


@dataclass
class Found:
    """What one query found for a page's path."""

    path: str
    version: int  # the public content version, read before the page's content
    html: str | None  # the stored page, when it is current
    next_review_due: date | None


def _lookup_sql(connection) -> str:
    # Plain SQL: this is the query of every stored page served, and building
    # it through the ORM took twice as long as running it. It also reads what
    # the page's validators are made of (answers.versions.PageVersion), so
    # that they cost no query of their own.
    q = connection.ops.quote_name
    versions, pages = PublicVersion._meta.db_table, StoredPage._meta.db_table
    condition_columns, condition_joins = condition_version_sql(connection)
    return (
        f"SELECT v.{q('version')}, v.{q('changed_at')}, v.{q('pages_since')}, "  # noqa: S608  # nosec B608 - quoted model names
        f"p.{q('version')}, "
        f"p.{q('release')}, p.{q('next_review_due')}, p.{q('html')}, "
        f"{condition_columns} "
        f"FROM {q(versions)} v LEFT JOIN {q(pages)} p ON p.{q('path')} = %s "
        f"{condition_joins} "
        f"WHERE v.{q('id')} = 1"
    )


def find(request: HttpRequest) -> Found | None:
    """This page's stored copy, if the reader may have one: `html` is None
    when there is none or it is not current (then the view renders the page
    and calls `store`). None when this reader gets a page of their own."""
    if not is_anonymous_reader(request):
        return None
    connection = connections[router.db_for_read(StoredPage)]
    # The condition's address, as the page cache middleware read it from the
    # URL (public/caching.py); without it (`render_pages`) no condition is
    # joined, and nothing reads the version.
    slug = getattr(request, "page_condition_slug", None)
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(connection), [request.path_info, slug])  # nosec B608 - table names
        row = cursor.fetchone()
    if row is None:  # no PublicVersion row yet: a database just migrated
        return Found(request.path_info, 0, None, None)
    current, changed_at, since, version, release, due, html, condition, stamp = row
    # What the page cache keeps this page under (public/caching.py).
    request.content_version = PageVersion.of_condition(
        condition_id=condition,
        stamp=stamp,
        since=since,
        changed_at=aware(changed_at, connection),
    )
    if html is not None and (release != settings.RELEASE or version < (since or 0)):
        html = None
    if isinstance(due, str):  # SQLite
        due = date.fromisoformat(due)
    return Found(request.path_info, current, html, due)


def render(request: HttpRequest, template: str, context: dict) -> str:
    """The page, with a marker where each part that changes unedited goes."""
    return get_template(template).render({**context, "live": LIVE}, request)


def respond(html: str, *, next_review_due=None, stored: str) -> HttpResponse:
    """The page with its overdue notice, if it has one and it is due."""
    if OVERDUE in html:
        notice = ""
        if next_review_due is not None and next_review_due < timezone.localdate():
            notice = get_template("public/includes/overdue_notice.html").render(
                {"due": next_review_due}
            )
        html = html.replace(OVERDUE, notice, 1)
    response = HttpResponse(html)
    # For `make bench` and `make faults`, only when PAGE_CACHE_HEADERS asks:
    # for anyone else, "hit" or "miss" would tell whether a rare condition's
    # page had been read lately.
    internal_header(response, "X-Stored-Page", stored)
    return response


def _store_sql(connection) -> str:
    # One statement where the database can run it (PostgreSQL): the upsert
    # of the condition's stamp takes the same row lock `FOR UPDATE` would,
    # for as long as the statement's own transaction, and the page is
    # written only while the stamp is no newer than the page. The three
    # statements and the transaction of `_store_in_transaction` cost a
    # first render five round trips and twice the ORM's work for an insert.
    q = connection.ops.quote_name
    stamps, pages = PageStamp._meta.db_table, StoredPage._meta.db_table
    columns = [
        "path",
        "condition_id",
        "question_id",
        "version",
        "release",
        "next_review_due",
        "html",
        "rendered_at",
    ]
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in columns[1:])
    return (
        f"WITH s AS (INSERT INTO {q(stamps)} ({q('condition_id')}, {q('version')}) "  # noqa: S608  # nosec B608 - quoted model names
        f"VALUES (%s, 0) ON CONFLICT ({q('condition_id')}) "
        f"DO UPDATE SET {q('version')} = {q(stamps)}.{q('version')} "
        f"RETURNING {q('version')}) "
        f"INSERT INTO {q(pages)} ({', '.join(q(c) for c in columns)}) "
        f"SELECT %s, %s, %s, %s, %s, %s, %s, %s FROM s WHERE s.{q('version')} <= %s "
        f"ON CONFLICT ({q('path')}) DO UPDATE SET {updates}"
    )


def store(found: Found, html: str, *, condition, question=None) -> None:
    """Keep the page rendered for `found`, unless its condition changed since."""
    page = StoredPage(
        path=found.path,
        condition_id=condition.pk,
        question_id=question.pk if question else None,
        version=found.version,
        release=settings.RELEASE,
        next_review_due=(question or condition).next_review_due,
        html=html,
        rendered_at=timezone.now(),
    )
    try:
        connection = connections[PRIMARY]
        if connection.vendor != "postgresql":
            _store_in_transaction(page)
        elif connection.in_atomic_block:
            # A failure must not end the caller's transaction: a savepoint.
            with transaction.atomic(using=PRIMARY):
                _store_in_one_statement(connection, page)
        else:
            _store_in_one_statement(connection, page)
    except DatabaseError as exc:
        # The reader still gets the page; the next one renders it again. The
        # class only: the message could quote the page, and with it the SQL.
        logger.warning("Could not store a rendered page (%s)", type(exc).__name__)


def _store_in_one_statement(connection, page: StoredPage) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            _store_sql(connection),  # nosec B608 - table names
            [
                page.condition_id,
                page.path,
                page.condition_id,
                page.question_id,
                page.version,
                page.release,
                page.next_review_due,
                page.html,
                page.rendered_at,
                page.version,
            ],
        )


def _store_in_transaction(page: StoredPage) -> None:
    """The same, for databases without data-modifying WITH (SQLite)."""
    with transaction.atomic(using=PRIMARY):
        # Lock the condition's stamp (made if there is none yet): a change
        # to the condition waits to write it until this page is stored,
        # and then deletes the page; or it came first, and the page is
        # already stale.
        stamps = PageStamp.objects.using(PRIMARY)
        stamps.bulk_create(
            [PageStamp(condition_id=page.condition_id, version=0)],
            ignore_conflicts=True,
        )
        stamp = stamps.select_for_update().get(condition_id=page.condition_id)
        if stamp.version > page.version:
            return
        StoredPage.objects.using(PRIMARY).bulk_create(
            [page],
            update_conflicts=True,
            unique_fields=["path"],
            update_fields=[
                "condition",
                "question",
                "version",
                "release",
                "next_review_due",
                "html",
                "rendered_at",
            ],
        )


# --- Rendering ahead of readers ---------------------------------------------------


def public_paths() -> Iterator[str]:
    """Every condition page and live answer page, conditions in name order."""
    from answers.models import Condition, Question

    conditions = Condition.objects.published().order_by("public_name")
    for condition in conditions.only("slug", "public_slug"):
        yield condition.get_absolute_url()
    questions = (
        Question.objects.published()
        .select_related("condition", "live_revision")
        .only("condition__slug", "condition__public_slug", "live_revision__slug")
        .order_by("condition__public_name", "pk")
    )
    for question in questions.iterator(chunk_size=2000):
        yield question.get_absolute_url()


def current_paths() -> set[str]:
    """Paths whose stored page this release would serve."""
    since = PublicVersion.objects.values_list("pages_since", flat=True).first() or 0
    return set(
        StoredPage.objects.filter(
            release=settings.RELEASE, version__gte=since
        ).values_list("path", flat=True)
    )


def render_path(path: str) -> int:
    """Render one page as an anonymous reader's request would, storing it.
    The status code: 200 when it was rendered (and stored, unless its
    condition changed meanwhile), 404 or 410 when there is no such page."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return 404
    if match.view_name not in {"public:answer", "public:condition"}:
        return 404
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {"SERVER_NAME": "render-pages", "SERVER_PORT": "80"}
    request.user = AnonymousUser()
    try:
        return match.func(request, *match.args, **match.kwargs).status_code
    except Http404:
        return 404

"""Read replicas against a real PostgreSQL streaming standby (scripts/pg-standby):
anonymous page views read from the standby, members and the requests after a
write from the primary, a lagging standby (replay paused) and a stopped one are
skipped and logged once, and the page cache never stores a lagging page under a
newer content version.

Physical replication copies the whole cluster, so the primary's test database
appears on the standby by itself; `replica1` points at that copy. The tests
commit their data (transactional tests) and wait until the standby has replayed
the primary's WAL before reading, instead of sleeping. Locally they are skipped
when no standby can be started; in CI (CI=true) that is a failure."""

import logging
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from django.core.signals import request_started
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from answers.models import Condition, StoredPage
from answers.publication import public_content_changed
from conftest import IN_CI
from devdata.personas import PASSWORD, draft, make_personas, publish
from diseasemaps.lib import replicas

pytestmark = [
    pytest.mark.postgres,
    # One standby for the whole machine: with several xdist workers, these
    # tests (which pause, stop and start it) all run on the same one.
    pytest.mark.xdist_group("standby"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica1"]),
]


@pytest.fixture(autouse=True)
def page_cache_headers(settings):
    """The internal cache headers are what these tests read."""
    settings.PAGE_CACHE_HEADERS = True


ALIAS = "replica1"
LOGGER = "diseasemaps.lib.replicas"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-standby"
# Host, port and user of the standby (.ci/run passes `scripts/pg-standby url`);
# the database is always the standby's copy of the test database.
STANDBY_URL = os.environ.get("REPLICA_TEST_URL") or "postgres://postgres@127.0.0.1:5433"
WAIT = 30.0  # seconds: longest we wait for the standby to replay or to start


def standby_params(dbname: str = "postgres") -> dict:
    url = urlsplit(STANDBY_URL)
    return {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5433,
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password or ""),
        "dbname": dbname,
    }


def on_standby(sql: str, params: tuple = ()):
    with psycopg.connect(
        **standby_params(), autocommit=True, connect_timeout=2
    ) as conn:
        return conn.execute(sql, params).fetchone()[0]


def on_primary(sql: str):
    with connections["default"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_until(check, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f}s waiting until {what}")
        time.sleep(0.05)


def wait_for_replay() -> None:
    """Until the standby has replayed everything the primary has committed."""
    target = on_primary("SELECT pg_current_wal_flush_lsn()::text")
    wait_until(
        lambda: on_standby("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)),
        f"the standby replayed the primary's WAL up to {target}",
    )


def wait_until_received() -> None:
    """Until the standby has received (not necessarily replayed) all WAL."""
    target = on_primary("SELECT pg_current_wal_flush_lsn()::text")
    wait_until(
        lambda: on_standby(
            "SELECT coalesce(pg_last_wal_receive_lsn() >= %s::pg_lsn, false)",
            (target,),
        ),
        f"the standby received the primary's WAL up to {target}",
    )


def run_script(command: str) -> subprocess.CompletedProcess:
    primary = connections["default"].settings_dict
    params = standby_params()
    env = {
        **os.environ,
        "PG_STANDBY_PORT": str(params["port"]),
        "PG_PRIMARY_HOST": primary["HOST"] or "127.0.0.1",
        "PG_PRIMARY_PORT": str(primary["PORT"] or 5432),
        "PG_PRIMARY_USER": primary["USER"] or "postgres",
    }
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(SCRIPT), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def standby_answers() -> bool:
    try:
        return on_standby("SELECT pg_is_in_recovery()") is True
    except psycopg.OperationalError:
        return False


def start_standby() -> str | None:
    """Start the standby (creating it if needed); the reason when it cannot be."""
    if standby_answers():
        return None
    if standby_params()["host"] not in {"127.0.0.1", "localhost"}:
        return f"no standby answers at {STANDBY_URL}"
    result = run_script("start")
    if result.returncode != 0 or not standby_answers():
        return f"scripts/pg-standby start failed: {result.stdout}{result.stderr}"
    return None


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """`replica1`: the standby's copy of the test database, as a replica."""
    with django_db_blocker.unblock():
        problem = start_standby()
        if problem is None:
            ours = on_primary("SELECT system_identifier FROM pg_control_system()")
            theirs = on_standby("SELECT system_identifier FROM pg_control_system()")
            if ours != theirs:
                problem = (
                    f"{STANDBY_URL} is not a standby of the test database's server"
                )
        if problem:
            if IN_CI:
                pytest.fail(problem)
            pytest.skip(problem)
        on_standby("SELECT pg_wal_replay_resume()")  # after an interrupted run
        wait_for_replay()  # the test database now exists on the standby too

        primary = connections["default"].settings_dict
        params = standby_params()
        connections.settings[ALIAS] = {
            **primary,
            "HOST": params["host"],
            "PORT": params["port"],
            "USER": params["user"],
            "PASSWORD": params["password"],
            "OPTIONS": {**primary["OPTIONS"], "connect_timeout": 2},
            "TEST": {**primary["TEST"], "MIRROR": "default"},
        }

        # A server re-checks persistent connections at the start of every
        # request (CONN_HEALTH_CHECKS); the test client skips that for its own
        # sake, so do it for the replica as a server would.
        def like_a_server(**kwargs) -> None:
            connections[ALIAS].close_if_unusable_or_obsolete()

        request_started.connect(like_a_server)
        try:
            yield
        finally:
            request_started.disconnect(like_a_server)
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]
            if not standby_answers():
                run_script("start")  # leave it as we found it


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def after_health_checks_expire(self) -> None:
        self.now += max(replicas.CHECK_EVERY, *replicas.RETRY_DOWN_AFTER) + 1


@pytest.fixture
def clock(standby, settings, monkeypatch):
    settings.DATABASE_REPLICAS = [ALIAS]
    settings.DATABASE_REPLICA_MAX_LAG = 3600  # unless a test asks for less
    clock = Clock()
    monkeypatch.setattr(replicas, "_now", clock)
    replicas.reset_health()
    yield clock
    replicas.reset_health()


@pytest.fixture
def content():
    people = type("People", (), {})
    make_personas(people)
    question = draft(people.writer, text="Is POEMS syndrome contagious?")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    people.question = question
    people.condition = question.condition
    people.condition_url = question.condition.get_absolute_url()
    wait_for_replay()
    return people


@contextmanager
def replay_paused():
    on_standby("SELECT pg_wal_replay_pause()")
    try:
        wait_until(
            lambda: on_standby("SELECT pg_get_wal_replay_pause_state()") == "paused",
            "the standby paused replay",
        )
        yield
    finally:
        on_standby("SELECT pg_wal_replay_resume()")


def rename_on_primary(condition: Condition, name: str) -> None:
    """A change the public sees, as an approval makes it: the approved name
    (a draft's name is not public) and the public content version."""
    with transaction.atomic():
        Condition.objects.filter(pk=condition.pk).update(public_name=name)
        public_content_changed(conditions=[condition])


def storing(sql: str) -> bool:
    """A statement of public.pages.store: a page rendered for an anonymous
    reader is kept on the primary, whichever database it was read from."""
    if sql in {"BEGIN", "COMMIT"} or sql.startswith(("SAVEPOINT", "RELEASE")):
        return True
    stored = "answers_pagestamp" in sql or "answers_storedpage" in sql
    # On PostgreSQL one `WITH s AS (INSERT … pagestamp …) INSERT … storedpage`.
    return stored and (sql.startswith(("INSERT", "WITH")) or "FOR UPDATE" in sql)


def page_view(client: Client, url: str, *, standby_up: bool = True):
    """The response, and how many queries read the primary (storing the page
    aside) and the standby."""
    with CaptureQueriesContext(connections["default"]) as primary:
        if not standby_up:
            response = client.get(url)
        else:
            with CaptureQueriesContext(connections[ALIAS]) as replica:
                response = client.get(url)
    reads = [q for q in primary.captured_queries if not storing(q["sql"])]
    return response, len(reads), len(replica) if standby_up else 0


def test_an_anonymous_page_view_reads_from_the_standby(clock, content):
    response, on_primary_count, on_replica_count = page_view(
        Client(), content.question.get_absolute_url()
    )

    assert response.status_code == 200
    assert "Is POEMS syndrome contagious?" in response.content.decode()
    assert on_primary_count == 0
    assert on_replica_count >= 2  # the health check, the version, the page
    # Rendered for its first reader, the page was stored, on the primary; the
    # next reader gets it from the standby, reading nothing on the primary.
    assert StoredPage.objects.filter(path=content.question.get_absolute_url()).exists()
    wait_for_replay()
    again, on_primary_count, on_replica_count = page_view(
        Client(), f"{content.question.get_absolute_url()}?again=1"
    )
    assert again["X-Stored-Page"] == "hit"
    assert on_primary_count == 0
    assert on_replica_count >= 1
    assert connections[ALIAS].settings_dict["PORT"] == standby_params()["port"]
    assert on_standby("SELECT pg_is_in_recovery()") is True


def test_readers_see_what_the_standby_replayed_and_members_see_the_primary(
    clock, content
):
    member = Client()
    member.force_login(content.member)
    before = Client().get(content.condition_url)
    assert before.status_code == 200

    with replay_paused():
        rename_on_primary(content.condition, "POEMS syndrome (Crow–Fukase)")
        wait_until_received()

        anonymous = Client().get(content.condition_url)
        as_member = member.get(content.condition_url)

        assert "Crow–Fukase" not in anonymous.content.decode()  # standby's state
        assert anonymous["ETag"] == before["ETag"]  # and its content version
        assert "Crow–Fukase" in as_member.content.decode()  # the primary's

    wait_for_replay()
    after = Client().get(content.condition_url)
    # Had the page cache keyed the stale page on the primary's newer version,
    # this would be that stored stale page.
    assert "Crow–Fukase" in after.content.decode()
    assert after["ETag"] != before["ETag"]


def test_the_requests_after_a_login_and_a_logout_read_from_the_primary(clock, content):
    client = Client()
    with replay_paused():
        login = client.post(
            reverse("account_login"),
            {"login": content.member.email, "password": PASSWORD},
        )
        assert login.status_code == 302
        me = client.get(reverse("community:me"))
        assert me.status_code == 200  # the new session was found
        assert "SunnyMina" in me.content.decode()

        logout = client.post(reverse("account_logout"))
        assert logout.status_code == 302
        assert "dm_primary" in logout.cookies
        rename_on_primary(content.condition, "POEMS syndrome (Takatsuki)")
        wait_until_received()

        # Logged out, no session cookie, but pinned for DATABASE_REPLICA_MAX_LAG.
        response, on_primary_count, on_replica_count = page_view(
            client, content.condition_url
        )
        assert "Takatsuki" in response.content.decode()
        assert on_primary_count > 0
        assert on_replica_count == 0

        stranger = Client().get(content.condition_url)
        assert "Takatsuki" not in stranger.content.decode()


def test_a_lagging_standby_is_skipped_and_logged_once(clock, content, settings, caplog):
    url = content.condition_url
    assert page_view(Client(), url)[1] == 0  # from the standby while it keeps up

    settings.DATABASE_REPLICA_MAX_LAG = 1
    with caplog.at_level(logging.INFO, logger=LOGGER), replay_paused():
        rename_on_primary(content.condition, "POEMS syndrome (PEP)")
        wait_until_received()
        wait_until(
            lambda: (replicas.measure_lag(ALIAS) or 0) > 1,
            "the paused standby is more than a second behind",
        )
        clock.after_health_checks_expire()
        # Each a page-cache miss: read from a database, not this process's memory.
        views = [page_view(Client(), f"{url}?view={n}") for n in range(3)]

        assert all(response.status_code == 200 for response, _, _ in views)
        assert all("(PEP)" in response.content.decode() for response, _, _ in views)
        assert all(on_primary_count > 0 for _, on_primary_count, _ in views)

    wait_for_replay()
    # Caught up again. (Not held to one second here: other work on this machine
    # can keep the standby that far behind for a moment.)
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    with caplog.at_level(logging.INFO, logger=LOGGER):
        clock.after_health_checks_expire()
        response, on_primary_count, _ = page_view(Client(), url)
    assert "(PEP)" in response.content.decode()
    assert on_primary_count == 0

    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert sum("more than DATABASE_REPLICA_MAX_LAG=1s" in m for m in messages) == 1
    assert sum("replica1 is back" in m for m in messages) == 1


def test_a_stopped_standby_is_skipped_pages_still_load_and_it_is_logged_once(
    clock, content, caplog
):
    url = content.question.get_absolute_url()
    assert page_view(Client(), url)[1] == 0  # a live connection to the standby

    stopped = run_script("stop")
    assert stopped.returncode == 0, stopped.stderr
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            # Each a page-cache miss: read from a database, not from memory.
            views = [
                page_view(Client(), f"{url}?view={n}", standby_up=False)
                for n in range(4)
            ]
            clock.after_health_checks_expire()  # tried again, still down
            views.append(page_view(Client(), f"{url}?view=4", standby_up=False))
    finally:
        started = run_script("start")
    assert started.returncode == 0, started.stdout + started.stderr

    assert [response.status_code for response, _, _ in views] == [200] * 5
    assert all(
        "Is POEMS syndrome contagious?" in response.content.decode()
        for response, _, _ in views
    )
    assert all(on_primary_count > 0 for _, on_primary_count, _ in views)

    wait_for_replay()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        clock.after_health_checks_expire()
        response, on_primary_count, on_replica_count = page_view(Client(), url)
    assert response.status_code == 200
    assert on_primary_count == 0
    assert on_replica_count > 0

    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert sum("replica1 is unreachable" in m for m in messages) == 1
    assert sum("replica1 is back" in m for m in messages) == 1

"""The router's decisions, through the project's real middleware: anonymous page
views read from a healthy replica; writes, logged-in (session) requests, unsafe
methods and the requests after a write read from the primary; a lagging or
unreachable replica is skipped and logged once; outside requests everything is
the primary. The replicas here are stand-ins whose lag and reachability each test
sets; test_replica_standby.py runs the same rules against a real standby."""

import itertools
import logging
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import OperationalError, router
from django.test import Client

from answers.models import Question
from diseasemaps.lib import replicas
from diseasemaps.tests import replica_urls

LOGGER = "diseasemaps.lib.replicas"


class FakeCursor:
    def __init__(self, lag):
        self.lag = lag

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        assert "pg_last_wal_replay_lsn()" in sql

    def fetchone(self):
        # In recovery, WAL waiting to be replayed, the replay process visible,
        # and the age of the last transaction replayed.
        return (True, False, False, True, self.lag)


class FakeStandby:
    """What the health checks see of one replica: its lag, or that it is down."""

    def __init__(self, alias):
        self.alias, self.lag, self.down, self.checks = alias, 0.0, False, 0

    def cursor(self):
        self.checks += 1
        self._fail_if_down()
        return FakeCursor(self.lag)

    def close_if_health_check_failed(self):
        pass

    def ensure_connection(self):
        self._fail_if_down()

    def close(self):
        pass

    def _fail_if_down(self):
        if self.down:
            raise OperationalError(
                f'connection to server at "10.0.0.9", port 5432 failed: '
                f"Connection refused ({self.alias})"
            )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def standbys(settings, monkeypatch):
    settings.ROOT_URLCONF = "diseasemaps.tests.replica_urls"
    settings.DATABASE_REPLICAS = ["replica1", "replica2"]
    settings.DATABASE_REPLICA_MAX_LAG = 10
    fakes = {alias: FakeStandby(alias) for alias in settings.DATABASE_REPLICAS}
    monkeypatch.setattr(replicas, "connections", fakes)
    monkeypatch.setattr(replicas, "_now", Clock())
    monkeypatch.setattr(replicas, "_turn", itertools.count())
    replica_urls.calls.clear()
    replicas.reset_health()
    yield fakes
    replicas.reset_health()


def read_alias(client: Client, method: str = "get", path: str = "/reads/") -> str:
    response = getattr(client, method)(path)
    assert response.status_code == 200, response
    return response.content.decode()


def tick(seconds: float) -> None:
    replicas._now.now += seconds


# --- Which requests may read from a replica


def test_it_reads_from_the_primary_outside_a_request(standbys):
    assert router.db_for_read(Question) == "default"
    assert router.db_for_write(Question) == "default"


@pytest.mark.django_db
def test_it_sends_anonymous_page_views_to_a_replica(standbys, client):
    assert read_alias(client) == "replica1"
    assert client.head("/reads/").status_code == 200
    assert "dm_primary" not in client.cookies


@pytest.mark.django_db
def test_it_takes_turns_between_healthy_replicas(standbys, client):
    assert [read_alias(client) for _ in range(4)] == [
        "replica1",
        "replica2",
        "replica1",
        "replica2",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_sends_unsafe_methods_to_the_primary_and_pins_the_client(
    standbys, client, method
):
    assert read_alias(client, method) == "default"

    pin = client.cookies["dm_primary"]
    assert pin["max-age"] == replicas.pin_seconds() == 12
    assert pin["httponly"]
    assert pin["samesite"] == "Lax"
    assert read_alias(client) == "default"  # the next page view
    assert read_alias(Client()) == "replica1"  # other readers are unaffected


@pytest.mark.django_db
def test_it_sends_requests_with_a_session_cookie_to_the_primary(standbys, client):
    # A member, or someone half-way through a login or sign-up: the session a
    # login wrote a moment ago may not have reached the replicas yet.
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-key"
    assert read_alias(client) == "default"


@pytest.mark.django_db
def test_a_logged_in_member_reads_from_the_primary(standbys, client):
    from devdata.personas import make_member

    client.force_login(make_member("mina"))
    assert read_alias(client) == "default"


@pytest.mark.django_db
def test_it_ignores_a_pin_cookie_it_did_not_sign(standbys, client):
    client.cookies["dm_primary"] = "1"
    assert read_alias(client) == "replica1"


@pytest.mark.django_db
def test_the_pin_lasts_the_lag_window_and_then_expires(standbys, client):
    with mock.patch("django.core.signing.time.time", return_value=50_000.0):
        client.post("/reads/")
    window = replicas.pin_seconds()
    with mock.patch("django.core.signing.time.time", return_value=50_000.0 + window):
        assert read_alias(client) == "default"
    with mock.patch(
        "django.core.signing.time.time", return_value=50_000.0 + window + 1
    ):
        assert read_alias(client) == "replica1"


@pytest.mark.django_db
def test_the_pin_window_grows_with_the_allowed_lag(standbys, settings):
    settings.DATABASE_REPLICA_MAX_LAG = 60
    assert replicas.pin_seconds() == 62


@pytest.mark.django_db
def test_a_write_during_a_replica_request_moves_the_rest_to_the_primary(
    standbys, client
):
    response = client.get("/write-then-read/")

    assert response.content.decode() == "replica1 default"
    assert "dm_primary" in response.cookies
    # A response that sets this client's cookie is not for shared caches.
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert read_alias(client) == "default"


@pytest.mark.django_db
def test_the_page_cache_reads_the_content_version_where_it_reads_the_page(
    standbys, client
):
    # public/caching.py keys stored pages on PublicVersion: it must come from
    # the database the page is rendered from (read first, so the content is
    # never older than its key). Sessions always come from the primary.
    assert client.get("/page-cache-reads/").content.decode() == (
        "replica1 replica1 default"
    )
    order = settings.MIDDLEWARE
    routing = order.index("diseasemaps.lib.replicas.ReplicaRoutingMiddleware")
    assert routing < order.index("public.caching.PublicPageCacheMiddleware")
    assert routing < order.index("django.contrib.sessions.middleware.SessionMiddleware")


def test_writes_and_migrations_stay_on_the_primary():
    route = replicas.PrimaryReplicaRouter()
    assert route.db_for_write(Question) == "default"
    assert route.db_for_read(Session) == "default"
    assert route.allow_migrate("default", "answers") is True
    assert route.allow_migrate("replica1", "answers") is False
    assert route.allow_relation(object(), object()) is True


@pytest.mark.django_db
def test_without_replicas_everything_is_primary_and_nothing_is_pinned(settings, client):
    settings.ROOT_URLCONF = "diseasemaps.tests.replica_urls"
    settings.DATABASE_REPLICAS = []
    assert read_alias(client) == "default"
    assert read_alias(client, "post") == "default"
    assert "dm_primary" not in client.cookies


# --- Health: lag, outages, back-off, logging once


@pytest.mark.parametrize(
    ("answer", "lag"),
    [
        # in recovery, replayed all received, idle on a live stream, sees, age
        ((False, None, False, True, None), 0.0),  # promoted, or the primary
        ((True, True, False, True, 75.0), 0.0),
        # A quiet primary: half a record left unreplayable at the end.
        ((True, False, True, True, 75.0), 0.0),
        ((True, False, False, True, 75.0), 75.0),  # WAL waiting to be replayed
        ((True, False, False, True, None), None),  # nothing replayed yet
        ((True, False, False, True, -0.2), 0.0),  # clocks a little apart
    ],
)
def test_it_reads_the_lag_from_what_the_standby_reports(answer, lag):
    assert replicas.lag_from("replica1", *answer) == lag


def test_it_says_once_when_it_cannot_see_the_replay_process(caplog):
    replicas.reset_health()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for _ in range(3):
            assert replicas.lag_from("replica1", True, False, False, False, 4) == 4
    assert len(caplog.records) == 1
    assert "GRANT pg_monitor" in caplog.records[0].getMessage()
    replicas.reset_health()


@pytest.mark.django_db
def test_it_skips_a_lagging_replica_and_logs_it_once(standbys, client, caplog):
    standbys["replica1"].lag = 30.0
    standbys["replica2"].down = True
    with caplog.at_level(logging.INFO, logger=LOGGER):
        seen = set()
        for _ in range(6):
            seen.add(read_alias(client))
            tick(replicas.CHECK_EVERY)  # measured again each time
        standbys["replica1"].lag = 0.4
        tick(replicas.CHECK_EVERY)
        seen_after = {read_alias(client) for _ in range(3)}

    assert seen == {"default"}
    assert seen_after == {"replica1"}
    lagging = [r for r in caplog.records if "replica1 is 30.0s behind" in r.message]
    back = [r for r in caplog.records if "replica1 is back (0.4s behind)" in r.message]
    assert len(lagging) == 1
    assert "DATABASE_REPLICA_MAX_LAG=10s" in lagging[0].message
    assert len(back) == 1


@pytest.mark.django_db
def test_a_replica_exactly_at_the_limit_is_still_used(standbys, client):
    standbys["replica1"].lag = 10.0
    assert read_alias(client) == "replica1"


@pytest.mark.django_db
def test_an_unknown_lag_counts_as_too_far_behind(standbys, client):
    standbys["replica1"].lag = None
    standbys["replica2"].lag = None
    assert read_alias(client) == "default"


@pytest.mark.django_db
def test_it_skips_an_unreachable_replica_and_logs_it_once(standbys, client, caplog):
    standbys["replica1"].down = True
    with caplog.at_level(logging.INFO, logger=LOGGER):
        seen = [read_alias(client) for _ in range(6)]

    assert seen == ["replica2"] * 6
    down = [r for r in caplog.records if "replica1 is unreachable" in r.message]
    assert len(down) == 1
    assert down[0].levelno == logging.WARNING
    assert "Connection refused" in down[0].message


@pytest.mark.django_db
def test_with_every_replica_down_pages_come_from_the_primary(standbys, client):
    for standby in standbys.values():
        standby.down = True
    assert {read_alias(client) for _ in range(5)} == {"default"}


@pytest.mark.django_db
def test_health_is_measured_every_few_seconds_not_per_request(standbys, client):
    for _ in range(10):
        read_alias(client)
    assert standbys["replica1"].checks == 1
    tick(replicas.CHECK_EVERY + 0.1)
    read_alias(client)
    read_alias(client)
    assert standbys["replica1"].checks == 2


@pytest.mark.django_db
def test_an_unreachable_replica_is_retried_after_a_growing_back_off(
    standbys, client, caplog, settings
):
    settings.DATABASE_REPLICAS = ["replica1"]
    standby = standbys["replica1"]
    standby.down = True
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert read_alias(client) == "default"
        tick(replicas.RETRY_DOWN_AFTER[0] - 1)
        assert read_alias(client) == "default"
        assert standby.checks == 1  # not tried again yet
        tick(1)
        assert read_alias(client) == "default"
        assert standby.checks == 2
        tick(replicas.RETRY_DOWN_AFTER[0])
        read_alias(client)
        assert standby.checks == 2  # the second wait is longer
        standby.down = False
        tick(replicas.RETRY_DOWN_AFTER[1])
        assert read_alias(client) == "replica1"

    messages = [r.message for r in caplog.records]
    assert sum("unreachable" in m for m in messages) == 1
    assert sum("replica1 is back" in m for m in messages) == 1


@pytest.mark.django_db
def test_a_replica_that_died_since_its_last_check_is_skipped_at_once(
    standbys, client, settings
):
    settings.DATABASE_REPLICAS = ["replica1"]
    assert read_alias(client) == "replica1"
    standbys["replica1"].down = True  # health still says "up" for 2 seconds
    assert read_alias(client) == "default"
    assert replicas.health("replica1").state == "down"


@pytest.mark.django_db
def test_a_replica_failing_mid_request_is_retried_on_the_primary(
    standbys, client, caplog
):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        response = client.get("/replica-dies/")

    assert response.status_code == 200
    assert response.content.decode() == "default"
    assert replica_urls.calls == ["replica1", "default"]
    assert replicas.health("replica1").state == "down"
    assert "server closed the connection" in caplog.text
    assert read_alias(client) == "replica2"


@pytest.mark.django_db
def test_a_failing_primary_is_not_retried(standbys):
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-key"
    response = client.get("/primary-dies/")
    assert response.status_code == 500
    assert replica_urls.calls == ["default"]

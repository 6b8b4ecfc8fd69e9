"""While the database is unreachable, pages answer 503 with Retry-After, a
friendly page and no traceback; the outage is logged once, and its end too. A
GET whose connection dies under it is tried again; a POST is not.

The database is made unreachable for real: the connection is pointed at a
closed port (PostgreSQL) or at a file that cannot be opened (SQLite).
`make faults` restarts a real PostgreSQL under load.
"""

import logging

import psycopg
import pytest
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)
from django.test import Client

from devdata.personas import closed_port
from diseasemaps.lib import outage
from diseasemaps.lib.outage import RETRY_AFTER, is_database_outage
from diseasemaps.tests import outage_urls


@pytest.fixture(autouse=True)
def _production_error_pages(settings):
    # With DEBUG on, Django shows its technical page for every error instead.
    settings.DEBUG = False
    outage.outage.reset()
    yield
    outage.outage.reset()


@pytest.fixture
def visitor() -> Client:
    # The test client re-raises a view's exception by default; a browser gets
    # the error page instead.
    return Client(raise_request_exception=False)


@pytest.fixture
def outage_then_recovery(transactional_db):
    """Switches that take the database away and bring it back."""
    saved = dict(connection.settings_dict)

    def go_down() -> None:
        connection.close()
        if connection.vendor == "postgresql":
            connection.settings_dict["PORT"] = closed_port()
        else:
            connection.settings_dict["NAME"] = "/nonexistent-diseasemaps/db.sqlite3"

    def come_back() -> None:
        connection.close()
        connection.settings_dict.update(saved)

    yield go_down, come_back
    come_back()


@pytest.fixture
def database_down(outage_then_recovery) -> None:
    go_down, _ = outage_then_recovery
    go_down()


def test_pages_answer_503_with_retry_after_while_the_database_is_down(
    database_down, visitor
):
    for url in ("/", "/conditions/", "/conditions/poems-syndrome/", "/sitemap.xml"):
        response = visitor.get(url)

        assert response.status_code == 503, url
        assert response["Retry-After"] == str(RETRY_AFTER)
        assert response["Cache-Control"] == "no-store"
        page = response.content.decode()
        assert "back in a moment" in page
        assert "Traceback" not in page
        assert "OperationalError" not in page
        assert "127.0.0.1" not in page


def test_a_login_attempt_is_503_too(database_down, visitor):
    response = visitor.post(
        "/accounts/login/",
        {"login": "mina@example.org", "password": "a long password"},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)


def test_the_first_request_after_the_outage_is_served_and_the_end_is_logged(
    outage_then_recovery, visitor, caplog
):
    go_down, come_back = outage_then_recovery
    with caplog.at_level(logging.INFO, logger="diseasemaps.lib.outage"):
        go_down()
        statuses = [visitor.get("/conditions/").status_code for _ in range(5)]
        come_back()
        statuses.append(visitor.get("/conditions/").status_code)

    assert statuses == [503] * 5 + [200]
    messages = [r.getMessage() for r in caplog.records if r.name.endswith("outage")]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Database unreachable, answering 503")
    assert "reachable again" in messages[1]
    assert "5 requests were answered 503" in messages[1]
    # The per-request traceback of django.request is filtered out.
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.postgres
@pytest.mark.urls("diseasemaps.tests.outage_urls")
def test_a_get_whose_connection_dies_under_it_is_tried_again(
    transactional_db, visitor, caplog
):
    outage_urls.calls.clear()
    with caplog.at_level(logging.WARNING, logger="diseasemaps.lib.outage"):
        response = visitor.get("/test/dies-once/")

    assert response.status_code == 200
    assert outage_urls.calls == ["GET", "GET"]
    assert "tried again" in caplog.text


@pytest.mark.postgres
@pytest.mark.urls("diseasemaps.tests.outage_urls")
def test_a_post_whose_connection_dies_under_it_is_not_repeated(
    transactional_db, visitor
):
    outage_urls.calls.clear()
    response = visitor.post("/test/dies-once/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert outage_urls.calls == ["POST"]
    # The server closes the broken connection at the end of the request (the
    # test client skips that), so the next request gets a fresh one.
    close_old_connections()
    assert visitor.post("/test/dies-once/").status_code == 200


def wrapped(cause: BaseException, wrapper=OperationalError) -> Exception:
    exc = wrapper(str(cause))
    exc.__cause__ = cause
    return exc


def test_only_lost_connections_count_as_an_outage():
    errors = psycopg.errors
    assert is_database_outage(wrapped(psycopg.OperationalError("connection failed")))
    assert is_database_outage(wrapped(errors.AdminShutdown("terminating")))
    assert is_database_outage(wrapped(errors.CannotConnectNow("starting up")))
    assert is_database_outage(InterfaceError("connection already closed"))
    # Load and bugs keep their traceback and their 500.
    assert not is_database_outage(wrapped(errors.DeadlockDetected("deadlock")))
    assert not is_database_outage(wrapped(errors.QueryCanceled("statement timeout")))
    assert not is_database_outage(wrapped(errors.SerializationFailure("retry")))
    assert not is_database_outage(ValueError("not a database error"))
    assert not is_database_outage(None)

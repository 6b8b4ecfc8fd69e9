"""`/healthz` for load balancers: 503 only when the database is gone; the cache
is reported but never fails the check; nothing is cached or leaked."""

import json
import os
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client, override_settings

from diseasemaps.lib import health
from diseasemaps.lib.cache import ResilientRedisCache

NOTHING_LISTENING = "redis://127.0.0.1:1/0"
SHORT_TIMEOUTS = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}

pytestmark = pytest.mark.django_db


def get(**headers):
    response = Client().get("/healthz", **headers)
    return response, json.loads(response.content)


def test_a_healthy_server_answers_200_and_is_never_cached():
    response, body = get()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"


def test_without_redis_the_cache_is_reported_as_local(settings):
    with mock.patch.object(health, "cache", object()):
        _response, body = get()
    assert body["cache"] == "local"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_a_reachable_redis_is_reported_ok():
    _response, body = get()
    assert body["cache"] == "ok"


def test_a_redis_outage_is_reported_but_keeps_the_server_in_rotation(caplog):
    down = ResilientRedisCache(NOTHING_LISTENING, {"OPTIONS": SHORT_TIMEOUTS})
    with mock.patch.object(health, "cache", down):
        response, body = get()
    assert response.status_code == 200
    assert body == {"status": "ok", "database": "ok", "cache": "unavailable"}
    assert "cache is unreachable" in caplog.text


def test_a_database_outage_answers_503_with_retry_after(caplog):
    broken = mock.patch.object(
        connections["default"],
        "cursor",
        side_effect=OperationalError("connection refused"),
    )
    with broken:
        response, body = get()
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert body["status"] == "unavailable"
    assert body["database"] == "unavailable"
    # The answer names no host, port or error text.
    assert "refused" not in response.content.decode()
    assert "database is unreachable" in caplog.text


def test_only_safe_methods_are_allowed():
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True)
def test_the_probe_is_not_redirected_to_https():
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/").status_code == 301

"""A Redis outage degrades to "no cache": reads miss, writes are skipped, nothing
raises (except incr, whose contract is ValueError for a missing key), each failure
is logged as a warning without the cached value, and a hung Redis costs one
timeout, then nothing while the breaker pauses it, not a hung page. With
REDIS_URL set, the same class round-trips for real."""

import logging
import os
import socket
import time
import uuid

import pytest

from diseasemaps.lib import cache as cache_module
from diseasemaps.lib.cache import BREAK_FOR, ResilientRedisCache

NOTHING_LISTENING = "redis://127.0.0.1:1/0"
SHORT_TIMEOUTS = {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}
SECRET_VALUE = "member-7 asked about POEMS syndrome"


@pytest.fixture(autouse=True)
def _closed_breakers(monkeypatch):
    """Every test starts with every server trusted again."""
    monkeypatch.setattr(ResilientRedisCache, "_paused_until", {})


@pytest.fixture
def down_cache() -> ResilientRedisCache:
    return ResilientRedisCache(NOTHING_LISTENING, {"OPTIONS": SHORT_TIMEOUTS})


@pytest.fixture
def hung_redis_url():
    """A socket that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def test_it_returns_the_default_on_get(down_cache):
    assert down_cache.get("condition:1") is None
    assert down_cache.get("condition:1", "fallback") == "fallback"


def test_it_returns_nothing_on_get_many(down_cache):
    assert down_cache.get_many(["a", "b"]) == {}


def test_it_computes_the_value_on_get_or_set(down_cache):
    assert down_cache.get_or_set("condition:1", lambda: "computed") == "computed"


def test_it_skips_writes_without_raising(down_cache):
    assert down_cache.set("k", SECRET_VALUE) is None
    assert down_cache.set("k", SECRET_VALUE, timeout=0) is None
    assert down_cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert down_cache.add("k", SECRET_VALUE) is False
    assert down_cache.touch("k", 60) is False


def test_it_skips_deletes_without_raising(down_cache):
    assert down_cache.delete("k") is False
    assert down_cache.delete_many(["a", "b"]) is None
    assert down_cache.clear() is False


def test_it_reports_a_missing_key_on_has_key(down_cache):
    assert down_cache.has_key("k") is False
    assert "k" not in down_cache


def test_it_raises_value_error_on_incr_and_decr(down_cache):
    with pytest.raises(ValueError, match="cache unavailable"):
        down_cache.incr("counter")
    with pytest.raises(ValueError, match="cache unavailable"):
        down_cache.decr("counter")


def test_an_outage_is_logged_once_a_minute_not_per_call(
    down_cache, caplog, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(ResilientRedisCache, "_last_logged", 0.0)
    monkeypatch.setattr(ResilientRedisCache, "_suppressed", 0)
    monkeypatch.setattr("diseasemaps.lib.cache._now", lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="diseasemaps.lib.cache"):
        down_cache.get("k")
        for _ in range(20):
            down_cache.set("k", SECRET_VALUE)
        clock[0] += 61
        down_cache.get("k")
    records = [r for r in caplog.records if r.name == "diseasemaps.lib.cache"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    assert "Cache get failed" in records[0].getMessage()
    assert "(20 more failures since the last warning)" in records[1].getMessage()


def test_it_keeps_cached_values_out_of_the_log(down_cache, caplog, monkeypatch):
    # Every call logs here: each one looks a minute after the last.
    ticks = iter(range(0, 100_000, 100))
    monkeypatch.setattr("diseasemaps.lib.cache._now", lambda: float(next(ticks)))
    monkeypatch.setattr(ResilientRedisCache, "_last_logged", -1000.0)
    with caplog.at_level(logging.WARNING, logger="diseasemaps.lib.cache"):
        down_cache.set("k", SECRET_VALUE)
        down_cache.add("k", SECRET_VALUE)
        down_cache.set_many({"k": SECRET_VALUE})
        down_cache.get_or_set("k", SECRET_VALUE)
    assert len(caplog.records) >= 4
    assert SECRET_VALUE not in caplog.text
    assert "member-7" not in caplog.text


def test_it_gives_up_on_a_hung_redis_after_the_timeout(
    hung_redis_url, caplog, monkeypatch
):
    monkeypatch.setattr(ResilientRedisCache, "_last_logged", -1000.0)
    cache = ResilientRedisCache(hung_redis_url, {"OPTIONS": SHORT_TIMEOUTS})
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="diseasemaps.lib.cache"):
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", "v")
    assert time.monotonic() - started < 3
    assert "Cache get failed" in caplog.text


def timed(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def test_a_hung_redis_costs_one_timeout_then_nothing_until_the_pause_ends(
    hung_redis_url, monkeypatch
):
    clock = [1000.0]
    monkeypatch.setattr(cache_module, "_now", lambda: clock[0])
    cache = ResilientRedisCache(hung_redis_url, {"OPTIONS": SHORT_TIMEOUTS})

    first = timed(lambda: cache.get("page"))
    # A page's other calls while the breaker is open: no waiting at all.
    paused = timed(
        lambda: [
            cache.set("page", "html"),
            cache.add("ratelimit", 1),
            cache.get_many(["a", "b"]),
            cache.has_key("page"),
            cache.delete("page"),
        ]
    )
    with pytest.raises(ValueError, match="cache unavailable"):
        cache.incr("ratelimit")
    clock[0] += BREAK_FOR
    after_pause = timed(lambda: cache.get("page"))

    print(
        f"hung Redis: first call {first:.3f}s, 5 calls while paused {paused:.4f}s, "
        f"first call after the pause {after_pause:.3f}s"
    )
    assert first >= SHORT_TIMEOUTS["socket_timeout"]
    assert paused < 0.05
    # After the pause Redis is asked again (and, still hung, costs a timeout).
    assert after_pause >= SHORT_TIMEOUTS["socket_timeout"]


def test_the_breaker_is_per_server(down_cache, hung_redis_url):
    down_cache.get("k")
    assert ResilientRedisCache._paused_until.keys() == {NOTHING_LISTENING}
    other = ResilientRedisCache(hung_redis_url, {"OPTIONS": SHORT_TIMEOUTS})
    assert timed(lambda: other.get("k")) >= SHORT_TIMEOUTS["socket_timeout"]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="no REDIS_URL (SQLite run)")
def test_it_uses_redis_again_once_the_pause_ends(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(cache_module, "_now", lambda: clock[0])
    prefix = f"dm-test-{uuid.uuid4().hex}"
    params = {"KEY_PREFIX": prefix, "OPTIONS": SHORT_TIMEOUTS}
    cache = ResilientRedisCache(os.environ["REDIS_URL"], params)
    try:
        # As if a call had just failed.
        ResilientRedisCache._paused_until[cache._server_key] = clock[0] + BREAK_FOR
        cache.set("answer", "kept?", timeout=60)
        assert cache.get("answer", "skipped") == "skipped"
        clock[0] += BREAK_FOR
        cache.set("answer", "kept", timeout=60)
        assert cache.get("answer") == "kept"
    finally:
        cache.delete("answer")
        cache.close()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="no REDIS_URL (SQLite run)")
def test_it_round_trips_through_a_real_redis():
    prefix = f"dm-test-{uuid.uuid4().hex}"
    cache = ResilientRedisCache(
        os.environ["REDIS_URL"], {"KEY_PREFIX": prefix, "OPTIONS": SHORT_TIMEOUTS}
    )
    try:
        cache.set("answer", {"short": "No, it is not catching."}, timeout=60)
        assert cache.get("answer") == {"short": "No, it is not catching."}
        assert cache.get_many(["answer", "missing"]) == {
            "answer": {"short": "No, it is not catching."}
        }
        assert cache.delete("answer") is True
        assert cache.get("answer", "gone") == "gone"
    finally:
        cache.delete_many(["answer"])
        cache.close()


@pytest.fixture
def site_cache_at(settings):
    """Point the site's cache (page cache, rate limits) at another server."""

    def point(url: str) -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "diseasemaps.lib.cache.ResilientRedisCache",
                "LOCATION": url,
                "OPTIONS": SHORT_TIMEOUTS,
            }
        }

    return point


@pytest.mark.django_db
@pytest.mark.parametrize("redis", ["stopped", "hung"])
def test_public_pages_keep_answering_quickly(
    redis, site_cache_at, hung_redis_url, client, report_figures
):
    site_cache_at(NOTHING_LISTENING if redis == "stopped" else hung_redis_url)
    pages = ["/", "/conditions/", "/about/editorial-policy/", "/", "/conditions/"]

    started = time.monotonic()
    statuses = [client.get(page).status_code for page in pages]
    took = time.monotonic() - started

    assert statuses == [200] * len(pages)
    # Without the breaker each page would wait for the page cache read and
    # write: 2 timeouts a page, 2 s for these five. With it, one timeout in all.
    budget = 2 * len(pages) * SHORT_TIMEOUTS["socket_timeout"]
    assert took < budget
    report_figures(
        f"Redis {redis}: {len(pages)} public pages answered 200 in {took:.2f} s"
        + (
            f" (without the breaker they would wait {budget:.1f} s for Redis)"
            if redis == "hung"
            else " (a stopped Redis refuses at once)"
        )
    )

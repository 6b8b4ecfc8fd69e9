"""Project-wide pytest set-up: the browser, the database guard for CI, fast
test settings, and the figures tests report (gathered from every xdist worker).

`make test` runs the suite on several processes (pytest-xdist, `-n auto
--dist loadgroup`): each has its own test database (pytest-django adds the
worker's name) and its own Redis database (below), and the tests that drive
the one PostgreSQL standby run together on one worker (xdist_group).
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings

# Fuzzing tests run a modest number of examples per form so the suite stays
# quick; HYPOTHESIS_EXAMPLES=500 make test digs deeper. Requests through the
# test client take milliseconds to seconds on a busy machine: no deadline.
settings.register_profile(
    "diseasemaps",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("diseasemaps")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FAULT_FIGURES = pytest.StashKey[list[str]]()


def pytest_collection_modifyitems(config, items) -> None:
    """PostgreSQL-only tests skip on SQLite, but in CI only on the SQLite run."""
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
    database_url = os.environ.get("DATABASE_URL", "")
    on_postgres = database_url.startswith(("postgres://", "postgresql://"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


def _figures() -> dict:
    try:
        from devdata.personas import FIGURES
    except Exception:  # Django never started (e.g. a collection error)
        return {}
    return FIGURES


def pytest_sessionfinish(session) -> None:
    """On an xdist worker: hand this worker's figures to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["figures"] = dict(_figures())
        output["fault_figures"] = session.config.stash.get(FAULT_FIGURES, [])


def pytest_testnodedown(node, error) -> None:
    """On the controller: add up the figures each worker recorded."""
    output = getattr(node, "workeroutput", {})
    figures = _figures()
    for name, value in output.get("figures", {}).items():
        if isinstance(value, int) and isinstance(figures.get(name, 0), int):
            figures[name] = figures.get(name, 0) + value
        elif name in figures and figures[name] != value:
            figures[name] = f"{figures[name]}; {value}"
        else:
            figures[name] = value
    node.config.stash.setdefault(FAULT_FIGURES, []).extend(
        output.get("fault_figures", [])
    )


def pytest_terminal_summary(terminalreporter, config) -> None:
    """The figures tests recorded (devdata.personas.record_figure, and the
    report_figures fixture), so the CI log says how much was tried: matrix
    cells, payloads, login attempts, trials."""
    lines = config.stash.get(FAULT_FIGURES, [])
    if lines:
        terminalreporter.section("fault figures")
        for line in lines:
            terminalreporter.write_line(line)
    FIGURES = _figures()
    if FIGURES:
        terminalreporter.section("figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")


# For speed: every user a test makes hashes a password, and Argon2 costs about
# 0.4 s a hash on a CI machine (most of the suite's time before this). The
# production hashers stay listed after it, so hashes they made still verify;
# diseasemaps/tests/test_password_hashing.py puts the production list back to
# prove Argon2 and the upgrade from PBKDF2.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _fast_test_settings(django_test_environment, tmp_path_factory):
    from django.conf import settings as django_settings
    from django.test.utils import override_settings

    hashers = [*FAST_HASHERS, *django_settings.PASSWORD_HASHERS]
    # WhiteNoise walks STATIC_ROOT each time a test client builds the
    # middleware: once `make bench` or `make faults` has collected the static
    # files there, the suite took four times as long. Tests serve static files
    # from the finders, as in development.
    static_root = tmp_path_factory.mktemp("static-root")
    with override_settings(
        PASSWORD_HASHERS=hashers,
        STATIC_ROOT=static_root,
        CACHES=_caches_of_this_worker(django_settings.CACHES),
    ):
        yield


def _caches_of_this_worker(caches: dict) -> dict:
    """Each xdist worker gets its own Redis database: a test's cache.clear() is
    a FLUSHDB, and must not empty another worker's rate-limit counters, pages
    or sessions in the middle of its test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    default = caches["default"]
    location = str(default.get("LOCATION", ""))
    if not worker or not location.startswith(("redis://", "rediss://")):
        return caches
    parts = urlsplit(location)
    database = (int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))) % 16
    location = urlunsplit(parts._replace(path=f"/{database}"))
    return {**caches, "default": {**default, "LOCATION": location}}


@pytest.fixture(autouse=True)
def _fresh_cache_namespaces(monkeypatch):
    """Each test counts rate limits from zero and starts with an empty page
    cache, even against a shared Redis (test databases reuse content versions)."""
    import uuid

    from answers import versions
    from diseasemaps.lib import ratelimit

    token = uuid.uuid4().hex
    monkeypatch.setattr(ratelimit, "PREFIX", f"ratelimit-test-{token}")
    monkeypatch.setattr(versions, "KEY_PREFIX", f"page-test-{token}")


def _check_class_data_once() -> None:
    """Django's TestCase.setUpClass, then check_deferred_constraints for what
    its setUpTestData wrote (a violation fails the class there, as it would
    have failed its first test). Patched in at start-up: pytest takes each
    class's setUpClass as it collects it."""
    from django.test import TestCase

    set_up_class = TestCase.__dict__["setUpClass"].__func__

    def setUpClass(cls) -> None:
        from devdata.personas import check_deferred_constraints

        set_up_class(cls)
        if "cls_atomics" not in cls.__dict__:  # no class transaction
            return
        try:
            for alias in cls._databases_names(include_mirrors=False):
                check_deferred_constraints(alias)
        except Exception:
            cls._rollback_atomics(cls.cls_atomics)
            raise

    TestCase.setUpClass = classmethod(setUpClass)


def pytest_configure(config) -> None:
    _check_class_data_once()


# A rolled-back load leaves its rows behind on PostgreSQL as dead tuples until
# a VACUUM, and the CI server runs no autovacuum. After the full terminology
# catalogue (answers/tests/test_import_terminology.py, the search quality and
# generate_dataset tests) a worker's tables held hundreds of megabytes of them,
# which every later sequential scan on that worker read again: above all the
# authorization matrix, whose digest reads every table twice per cell.
DEAD_SPACE_LIMIT = 8 * 1024 * 1024  # bytes of table heap above the last VACUUM
_heap_after_vacuum = [0]


def _heap_bytes(cursor) -> int:
    cursor.execute(
        "SELECT COALESCE(SUM(pg_relation_size(relid)), 0) FROM pg_stat_user_tables"
    )
    return int(cursor.fetchone()[0])


@pytest.fixture(autouse=True, scope="module")
def _vacuum_after_big_rollbacks(django_db_blocker):
    """After each test module, on PostgreSQL: VACUUM the test database when its
    tables have grown by more than DEAD_SPACE_LIMIT since the last one (a
    check of one query; the VACUUM itself runs a few times a run). Rows that
    committed are kept, so tests stay independent of where this runs."""
    yield
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    if not connection.settings_dict["NAME"].startswith("test_"):
        return  # no test here asked for the database: nothing was written
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if _heap_bytes(cursor) - _heap_after_vacuum[-1] > DEAD_SPACE_LIMIT:
            cursor.execute("VACUUM")
            _heap_after_vacuum.append(_heap_bytes(cursor))


@pytest.fixture
def report_figures(request):
    """Add a line to the "fault figures" printed at the end of the run (trials,
    successes, refusals), so a green run still shows what it measured."""
    return request.config.stash.setdefault(FAULT_FIGURES, []).append


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright. A missing browser fails in CI."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def demo_site(live_server) -> str:
    """The demo content (manage.py load_demo) on the live server: its address.
    Its codes are checked against the catalogue: the real sample is loaded
    first (devdata.terminology.load_sample: the demo's concepts and a few
    more), as `make run` loads the whole catalogue first."""
    from io import StringIO

    from django.core.management import call_command
    from django.test import override_settings

    from devdata.personas import ensure_roles
    from devdata.terminology import load_sample

    ensure_roles()  # an earlier transactional test flushed the migration's groups
    load_sample()
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    return live_server.url


@pytest.fixture
def db_vendor() -> str:
    return connection.vendor

"""Project-wide pytest fixtures: the browser, and the database guard for CI."""

import os
import shutil
from pathlib import Path

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


def pytest_terminal_summary(terminalreporter, config) -> None:
    """The figures tests recorded (devdata.personas.record_figure, and the
    report_figures fixture), so the CI log says how much was tried: matrix
    cells, payloads, login attempts, trials."""
    lines = config.stash.get(FAULT_FIGURES, [])
    if lines:
        terminalreporter.section("fault figures")
        for line in lines:
            terminalreporter.write_line(line)
    try:
        from devdata.personas import FIGURES
    except Exception:  # Django never started (e.g. a collection error)
        return
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
def _fast_password_hasher(django_test_environment):
    from django.conf import settings as django_settings
    from django.test.utils import override_settings

    hashers = [*FAST_HASHERS, *django_settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


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
def db_vendor() -> str:
    return connection.vendor

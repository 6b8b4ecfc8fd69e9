"""Project-wide pytest fixtures: the browser, and the database guard for CI."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

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


def pytest_collection_modifyitems(config, items) -> None:
    """PostgreSQL-only tests skip on SQLite, but in CI only on the SQLite run."""
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…)")
    database_url = os.environ.get("DATABASE_URL", "")
    on_postgres = database_url.startswith(("postgres://", "postgresql://"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _fresh_cache_namespaces(monkeypatch):
    """Each test counts rate limits from zero and starts with an empty page
    cache, even against a shared Redis (test databases reuse content versions)."""
    import uuid

    from answers import caching
    from diseasemaps.lib import ratelimit

    token = uuid.uuid4().hex
    monkeypatch.setattr(ratelimit, "PREFIX", f"ratelimit-test-{token}")
    monkeypatch.setattr(caching, "KEY_PREFIX", f"page-test-{token}")


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

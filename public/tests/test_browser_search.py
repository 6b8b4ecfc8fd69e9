"""The search page in Chromium: axe finds no violations with results, without
results and empty, at desktop and phone widths; a phone never scrolls sideways;
the form works without JavaScript."""

from io import StringIO
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import override_settings

from devdata.personas import ensure_roles

PAGES = {
    "results": "/search/?q=" + quote("crow fukase"),
    "question results": "/search/?q=" + quote("is it contagious"),
    "typo results": "/search/?q=poms",
    "no results": "/search/?q=" + quote("zzzz qqqq wwww vvvv"),
    "suggestions": "/search/?q=" + quote("myastenia treatment in children abroad"),
    "empty": "/search/",
    "junk": "/search/?q=" + quote("<script>alert(1)</script>' OR 1=1 --"),
    "long": "/search/?q=" + "supercalifragilistic" * 9,
}


@pytest.fixture
def demo_site(live_server):
    ensure_roles()  # an earlier transactional test flushed the migration's groups
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    return live_server.url


def describe(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_search_pages(demo_site, browser):
    axe = Axe()
    found = {}
    for width in (1280, 360):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        for name, path in PAGES.items():
            page.goto(demo_site + path)
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"{name} @ {width}px"] = describe(violations)
            if width == 360:
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= 360, f"{name}: page is {scroll_width}px wide"
        context.close()
    assert found == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_searches_from_the_home_page_without_javascript(demo_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site + "/")
    page.get_by_label("Search conditions and reviewed answers").fill("crow fukase")
    page.get_by_role("button", name="Search").click()

    assert "/search/?q=crow+fukase" in page.url
    first = page.locator(".search-result").first
    assert first.locator("h3 a").inner_text() == "What is POEMS syndrome?"
    assert first.get_by_text("Reviewed").is_visible()
    first.locator("h3 a").click()
    assert page.url.endswith("/conditions/poems-syndrome/what-is-poems-syndrome/")

    page.goto(demo_site + PAGES["no results"])
    assert page.locator("#no-results h2").inner_text().startswith("No answers found")
    page.get_by_role("link", name="Browse all conditions from A to Z").click()
    assert page.url.endswith("/conditions/")
    context.close()

"""The search page in Chromium: axe finds no violations with results, without
results and empty, at desktop and phone widths; a phone never scrolls sideways;
the form works without JavaScript."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from public.tests.axe import violations_on

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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_search_pages(demo_site, browser):
    def fits_a_phone(page, name: str, width: int) -> None:
        if width == 360:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= 360, f"{name}: page is {scroll_width}px wide"

    assert violations_on(browser, demo_site, PAGES, then=fits_a_phone) == {}


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
    expect(first.get_by_text("Reviewed")).to_be_visible()
    first.locator("h3 a").click()
    assert page.url.endswith("/conditions/poems-syndrome/what-is-poems-syndrome/")

    page.goto(demo_site + PAGES["no results"])
    assert page.locator("#no-results h2").inner_text().startswith("No answers found")
    page.get_by_role("link", name="Browse all conditions from A to Z").click()
    assert page.url.endswith("/conditions/")
    context.close()

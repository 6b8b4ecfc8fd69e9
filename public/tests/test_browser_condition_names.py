"""Finding conditions by any of their names, in Chromium, without JavaScript:
a reader searches a lay term and gets the sign and its conditions (reviewed
first), searches a synonym and gets the reviewed condition, searches a
condition nobody has reviewed and gets its plain page (the demo site has
the real sample catalogue: devdata.terminology.load_sample). axe finds no
violations on these pages, at desktop and phone widths, and a 360 px phone
never scrolls sideways; the links work from the keyboard."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from public.tests.axe import violations_on

PAGES = {
    "lay term": "/search/?q=" + quote("drooping eyelid"),
    "synonym": "/search/?q=" + quote("Crow-Fukase"),
    "catalogue only": "/search/?q=" + quote("castleman disease"),
    "sign by name": "/search/?q=ptosis",
    "plain page": "/conditions/catalogue/gard/12656/",
    "A–Z": "/conditions/",
    "A–Z, catalogue letter": "/conditions/?catalogue=C",
    "unknown code": "/conditions/catalogue/gard/99999999/",
}


def fits_a_phone(page, name: str, width: int) -> None:
    if width == 360:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, f"{name}: page is {scroll_width}px wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_name_search_pages(demo_site, browser):
    assert violations_on(browser, demo_site, PAGES, then=fits_a_phone) == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_finds_conditions_by_a_lay_term_and_a_synonym(demo_site, browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(demo_site + "/")
    page.get_by_label("Search conditions and reviewed answers").fill("drooping eyelid")
    page.get_by_role("button", name="Search").click()

    sign = page.locator("#search-sign")
    expect(sign).to_contain_text(
        "“Drooping upper eyelid” is a lay term for Ptosis (HPO HP:0000508)"
    )
    first = sign.locator(".condition-match").first
    expect(first).to_have_text("Myasthenia gravis")
    first.get_by_role("link").click()
    assert page.url.endswith("/conditions/myasthenia-gravis/")

    page.goto(demo_site + "/")
    page.get_by_label("Search conditions and reviewed answers").fill("Crow-Fukase")
    page.get_by_role("button", name="Search").click()
    match = page.locator(".search-conditions .condition-match").first
    expect(match).to_contain_text("POEMS syndrome")
    expect(match).not_to_contain_text("no reviewed answers yet")
    # From the keyboard: the first link of the block, then Enter.
    match.get_by_role("link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/conditions/poems-syndrome/")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_searches_a_condition_nobody_reviewed_and_gets_its_plain_page(
    demo_site, browser
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(demo_site + "/")
    page.get_by_label("Search conditions and reviewed answers").fill(
        "Angiofollicular lymph hyperplasia"
    )
    page.get_by_role("button", name="Search").click()

    match = page.locator(".search-conditions .condition-match").first
    expect(match).to_contain_text("Castleman disease")
    expect(match).to_contain_text("no reviewed answers yet")
    match.get_by_role("link").click()

    assert page.url.endswith("/conditions/catalogue/gard/12656/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Castleman disease")
    main = page.locator("main")
    expect(main).to_contain_text(
        "We have no reviewed answers about this condition yet."
    )
    expect(main.locator('[data-system="ORPHA"][data-code="160"]')).to_be_visible()
    assert "medically reviewed" not in page.content().lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()

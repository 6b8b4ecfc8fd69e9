"""Public pages in Chromium: axe finds no violations, a 360 px phone needs no
sideways scrolling, and everything reads without JavaScript."""

import re
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from public.tests.axe import violations_on

PAGES = {
    "home": "/",
    "index": "/conditions/",
    "condition": "/conditions/poems-syndrome/",
    # No experiences shared yet: the block invites the first one.
    "condition, no experiences": "/conditions/cystic-fibrosis/",
    # No experiences on this question yet (the demo's are on another one).
    "answer": "/conditions/poems-syndrome/how-is-it-diagnosed/",
    "overdue answer": "/conditions/poems-syndrome/is-it-contagious/",
    "reviewer": "/reviewers/rita-osei/",
    "policy": "/about/editorial-policy/",
    "not found": "/conditions/no-such-thing/",
}
SCREENSHOTS = Path(tempfile.gettempdir()) / "diseasemaps-screenshots"
# Pages whose community block invites the first post, checked with axe too.
INVITING = {"condition, no experiences", "answer"}


def invites_the_first_post(page, name: str, width: int) -> None:
    if name in INVITING:
        invitation = page.locator("section.community").get_by_role(
            "link", name="Be the first to share yours"
        )
        expect(invitation).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_public_pages(demo_site, browser):
    axe = Axe()
    # The harness itself: a page with a known fault must be reported.
    probe = browser.new_page()
    probe.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main>')
    assert "image-alt" in [v["id"] for v in axe.run(probe).response["violations"]]
    probe.close()
    assert violations_on(browser, demo_site, PAGES, then=invites_the_first_post) == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_reads_the_answer_without_sideways_scrolling(demo_site, browser):
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(demo_site + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, f"{name}: page is {scroll_width}px wide"
    page.goto(demo_site + PAGES["answer"])
    shot = SCREENSHOTS / "answer-360.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    # Body text stays at a readable size on a phone.
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_work_without_javascript_and_by_keyboard(demo_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(demo_site + PAGES["answer"])
    assert page.locator("h1").inner_text() == "How is POEMS syndrome diagnosed?"
    expect(page.locator(".short-answer")).to_be_visible()
    assert page.locator("section.criteria li").count() >= 10
    page.get_by_role("link", name="POEMS syndrome", exact=True).first.click()
    assert page.url.endswith("/conditions/poems-syndrome/")
    context.close()

    context = browser.new_context()
    page = context.new_page()
    page.goto(demo_site + PAGES["answer"])
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    # The jump to #main updates the address a moment after the key press:
    # wait for it (up to Playwright's default timeout) rather than race it.
    expect(page).to_have_url(re.compile(r"#main$"))
    # Every link is reachable with Tab, in document order, and shows focus.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused == "A"
    context.close()

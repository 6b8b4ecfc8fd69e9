"""Issue 18 in Chromium: a member mutes another from a post and unmutes them
from their page; the report-a-member form; axe finds no violations at 1280 and
360 px, and nothing scrolls sideways on a phone."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from community.models import Mute
from community.tests.helpers import share_published
from community.tests.test_browser_community_pages import logged_in_context
from devdata.personas import make_condition, make_member, make_personas

LOUD = "Loud words about my treatment that some readers would rather not see."


@pytest.fixture
def site(live_server):
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    from devdata.personas import draft, publish

    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    loud = make_member("loud", pseudonym="LoudLarry")
    share_published(loud, condition, question, body=LOUD, moderator=people.moderator)
    share_published(
        people.other_member, condition, question, moderator=people.moderator
    )
    return SimpleNamespace(people=people, condition=condition, question=question)


def _violations(axe, page) -> list[str]:
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:2]]}"
        for v in axe.run(page).response["violations"]
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mute_from_a_post_and_unmute_from_my_page(site, live_server, browser):
    experiences = live_server.url + reverse(
        "community:experiences", args=["poems-syndrome"]
    )
    axe = Axe()
    found = {}
    for width in (1280, 360):
        Mute.objects.all().delete()
        context = logged_in_context(browser, live_server, site.people.member, width)
        page = context.new_page()
        page.goto(experiences)
        expect(page.get_by_text("Loud words")).to_be_visible()
        found[f"list @ {width}"] = _violations(axe, page)
        page.get_by_role("button", name="Mute LoudLarry").click()
        expect(page.get_by_text("You muted LoudLarry")).to_be_visible()
        expect(page.get_by_text("Loud words")).to_have_count(0)
        expect(
            page.get_by_text("1 post from a member you muted is hidden.")
        ).to_be_visible()
        found[f"list, muted @ {width}"] = _violations(axe, page)
        # The answer page's block says so too.
        page.goto(live_server.url + site.question.get_absolute_url())
        expect(page.get_by_text("Loud words")).to_have_count(0)
        expect(
            page.get_by_text("1 post from a member you muted is hidden.")
        ).to_be_visible()
        found[f"answer, muted @ {width}"] = _violations(axe, page)
        # Shown on request, then unmuted from the member's page.
        page.goto(experiences + "?muted=show")
        expect(page.get_by_text("Loud words")).to_be_visible()
        found[f"list, muted shown @ {width}"] = _violations(axe, page)
        page.goto(live_server.url + reverse("community:me"))
        muted = page.locator("section[aria-labelledby=muted-heading]")
        expect(muted.get_by_text("LoudLarry")).to_be_visible()
        found[f"me @ {width}"] = _violations(axe, page)
        if width == 360:
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, f"/me/ is {wide}px wide at 360"
        muted.get_by_role("button", name="Unmute LoudLarry").click()
        expect(page.get_by_text("You unmuted LoudLarry")).to_be_visible()
        assert not Mute.objects.exists()
        page.goto(experiences)
        expect(page.get_by_text("Loud words")).to_be_visible()
        if width == 360:
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, f"the list is {wide}px wide at 360"
        context.close()
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_report_a_member_form(site, live_server, browser):
    axe = Axe()
    found = {}
    for width in (1280, 360):
        reporter = make_member(f"reporter{width}")
        context = logged_in_context(browser, live_server, reporter, width)
        page = context.new_page()
        page.goto(
            live_server.url + reverse("community:experiences", args=["poems-syndrome"])
        )
        page.get_by_role("link", name="Report LoudLarry").click()
        found[f"form @ {width}"] = _violations(axe, page)
        page.get_by_label("Something else").check()
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_text("Tell the moderators briefly")).to_be_visible()
        found[f"form with errors @ {width}"] = _violations(axe, page)
        page.get_by_label("Selling products or treatments").check()
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_text("A moderator will read your report")).to_be_visible()
        if width == 360:
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, f"the page is {wide}px wide at 360"
        context.close()
    assert {name: v for name, v in found.items() if v} == {}

"""An author answers a moderator's redaction on /me/ in Chromium: the page is
axe-clean and needs no sideways scrolling at 1280 and 360 px, shows the
redacted text and what changed, and accepting it publishes the redacted
text, never the original."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from community import services
from community.models import Experience, ExperienceStatus
from community.tests.helpers import STORY, share_published
from community.tests.test_browser_community_pages import logged_in_context
from devdata.personas import draft, make_condition, make_personas, publish

ORIGINAL = f"{STORY} Dr Hargreaves at St Brigid's sees me every month."
REDACTED = f"{STORY} My neurologist sees me every month."


@pytest.fixture
def redacted(live_server):
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    post = share_published(
        people.member, condition, question, moderator=people.moderator, body=ORIGINAL
    )
    post.refresh_from_db()
    services.redact_experience(
        user=people.moderator,
        experience=post,
        body=REDACTED,
        reason="It named your doctor and your hospital.",
        seen=post.text_fingerprint,
    )
    return SimpleNamespace(people=people, post=post)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_author_accepts_a_redaction_on_their_page(redacted, live_server, browser):
    axe = Axe()
    found = {}
    for width in (1280, 360):
        context = logged_in_context(browser, live_server, redacted.people.member, width)
        page = context.new_page()
        page.goto(live_server.url + reverse("community:me"))
        box = page.locator(f"#redaction-{redacted.post.pk}")
        expect(box).to_contain_text("A moderator suggests removing some details")
        expect(box.locator("del").first).to_contain_text("Hargreaves")
        expect(page.locator(f"#post-{redacted.post.pk}")).to_contain_text(
            "It named your doctor and your hospital."
        )
        violations = axe.run(page).response["violations"]
        if violations:
            found[f"me @ {width}"] = [
                f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:2]]}"
                for v in violations
            ]
        if width == 360:
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, f"/me/ is {wide}px wide at 360"
            page.get_by_role("button", name="Accept and publish").click()
            expect(page.get_by_role("status").first).to_contain_text(
                "your post is published with the changes"
            )
            expect(page.locator(f"#redaction-{redacted.post.pk}")).to_have_count(0)
            violations = axe.run(page).response["violations"]
            if violations:
                found["me after accepting"] = [v["id"] for v in violations]
        context.close()
    assert found == {}

    post = Experience.objects.get(pk=redacted.post.pk)
    assert post.status == ExperienceStatus.PUBLISHED
    assert (post.body, post.redaction_original) == (REDACTED, "")
    public = browser.new_page()
    public.goto(
        live_server.url + reverse("community:experiences", args=["poems-syndrome"])
    )
    expect(public.locator("main")).to_contain_text("My neurologist sees me")
    expect(public.locator("main")).not_to_contain_text("Hargreaves")
    public.close()

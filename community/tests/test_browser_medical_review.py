"""Harmful advice and the medical reviewer in Chromium (issue 18): the
moderator sends the post from the moderation page, the reviewer publishes it
with a note from their queue, and readers see the note above the post; axe
finds no violations on the public pages with a note and on the author's page
with an edit request."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from community import services
from community.models import Experience, ExperienceStatus
from community.tests.helpers import share
from community.tests.test_browser_community_pages import logged_in_context
from devdata.personas import draft, make_condition, make_personas, publish

ADVICE = (
    "Stop taking your steroids, they are poison. I stopped and I have never felt "
    "better in my life."
)
NOTE = "Stopping steroids suddenly can be dangerous. Talk to your own doctor first."


@pytest.fixture
def site(live_server):
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    post = share(people.member, condition, question, body=ADVICE)
    return SimpleNamespace(people=people, condition=condition, post=post)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_moderator_sends_it_and_the_reviewer_publishes_it_with_a_note(
    site, live_server, browser, tmp_path
):
    context = logged_in_context(browser, live_server, site.people.moderator, 1280)
    page = context.new_page()
    page.goto(
        live_server.url
        + reverse("admin:community_experience_moderate", args=[site.post.pk])
    )
    expect(page.locator("#harmful-advice")).to_be_visible()
    page.get_by_label("Reason").fill("Could stopping steroids harm a reader?")
    page.get_by_role("button", name="Send to a medical reviewer").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Send to a medical reviewer: done"
    )
    context.close()

    context = logged_in_context(browser, live_server, site.people.reviewer, 1280)
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_role("link", name="Posts a moderator sent for a medical look").click()
    page.get_by_role("link", name="Review").click()
    expect(page.locator("#moderator-question")).to_contain_text(
        "Could stopping steroids harm a reader?"
    )
    expect(page.locator(".dm-preview")).to_contain_text("they are poison")
    page.screenshot(path=tmp_path / "medical-review.png", full_page=True)
    page.get_by_label("To publish").fill(NOTE)
    page.get_by_role("button", name="Publish with this note").click()
    expect(page.locator(".messagelist")).to_contain_text("Publish with this note: done")
    expect(page.locator("#medical-queue")).to_have_count(0)
    context.close()

    post = Experience.objects.get(pk=site.post.pk)
    assert post.status == ExperienceStatus.PUBLISHED
    assert post.reviewer_note == NOTE

    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(
        live_server.url + reverse("community:experiences", args=["poems-syndrome"])
    )
    note = page.locator(".reviewer-note")
    expect(note).to_contain_text(
        f"Note from Dr Rita Osei, medical reviewer, {post.reviewer_note_at:%-d %B %Y}:"
    )
    body = page.locator(".experience-body").first
    assert note.bounding_box()["y"] < body.bounding_box()["y"]
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_with_a_note_and_an_edit_request(
    site, live_server, browser
):
    people = site.people
    services.send_to_medical_reviewer(
        user=people.moderator, experience=site.post, question="Safe?"
    )
    site.post.refresh_from_db()
    services.publish_with_note(
        user=people.reviewer,
        experience=site.post,
        note=NOTE,
        seen=services.review_token(site.post),
    )
    asked = share(people.member, site.condition, body=ADVICE + " Truly.")
    services.send_to_medical_reviewer(
        user=people.moderator, experience=asked, question="Safe?"
    )
    asked.refresh_from_db()
    services.ask_author_for_edit(
        user=people.reviewer,
        experience=asked,
        reason="Please say what you did, not what others should do.",
        seen=services.review_token(asked),
    )
    pages = {
        "experiences": reverse("community:experiences", args=["poems-syndrome"]),
        "condition": site.condition.get_absolute_url(),
        "me": reverse("community:me"),
    }
    axe = Axe()
    found = {}
    for width in (1280, 360):
        context = logged_in_context(browser, live_server, people.member, width)
        page = context.new_page()
        for name, path in pages.items():
            page.goto(live_server.url + path)
            expect(page.locator(".reviewer-note").first).to_contain_text(NOTE)
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"{name} @ {width}"] = [
                    f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:2]]}"
                    for v in violations
                ]
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name} is {wide}px wide at {width}"
        page.goto(live_server.url + pages["me"])
        expect(page.locator(".reviewer-asks-edit")).to_contain_text(
            "Please say what you did"
        )
        context.close()
    assert not found, found

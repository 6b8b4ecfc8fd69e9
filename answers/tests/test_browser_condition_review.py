"""In Chromium, the whole promise: a writer edits a live condition's other
names and a code (picked from the catalogue), and a live answer's slug and
topic; the public site does not change. A second reviewer finds both in their
queues, sees each page exactly as readers will get it and the diff, and
approves both. Then the public pages show the new facts, and the answer's old
address answers 301 to its new one."""

import tempfile
import types
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from answers.tests.test_browser_review_flow import expect_success, log_in, log_out
from devdata.personas import (
    add_code,
    approve_facts,
    draft,
    make_personas,
    make_poems,
    publish,
)

SHOTS = Path(tempfile.gettempdir()) / "test_browser_condition_review"


def approve_on_review_screen(page: Page) -> None:
    page.get_by_label("I approve this version for publication.", exact=False).check()
    page.get_by_role("button", name="Approve and publish").click()
    expect_success(page, "is now live")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_approves_the_page_readers_will_get(live_server, page: Page):
    SHOTS.mkdir(exist_ok=True)
    people = types.SimpleNamespace()
    make_personas(people)
    condition = make_poems(synonyms="Crow–Fukase syndrome")
    add_code(condition, "ORPHA", "2905")
    approve_facts(condition, writer=people.writer, reviewer=people.reviewer)
    question = draft(
        people.writer,
        condition,
        text="Is POEMS syndrome contagious?",
        slug="is-it-contagious",
    )
    publish(question, writer=people.writer, reviewer=people.reviewer)
    base = live_server.url
    old_url = base + "/conditions/poems-syndrome/is-it-contagious/"
    new_url = base + "/conditions/poems-syndrome/can-it-spread/"
    condition_url = base + "/conditions/poems-syndrome/"

    try:
        # The writer edits the live facts and the live answer's address.
        log_in(page, base, people.writer)
        page.goto(base + reverse("admin:answers_condition_change", args=[condition.pk]))
        page.locator('textarea[name="synonyms"]').fill(
            "Crow–Fukase syndrome\nTakatsuki disease"
        )
        # The code is picked from the catalogue (autocomplete by code or name).
        page.locator("#codes-0 .select2-selection").click()
        page.locator(".select2-search__field").fill("7411")
        page.locator(
            ".select2-results__option", has_text="GARD:7411 — POEMS syndrome"
        ).click()
        page.get_by_role("button", name="Save and continue editing").click()
        expect_success(page, "was changed successfully")
        page.goto(base + reverse("admin:answers_question_change", args=[question.pk]))
        page.locator('input[name="slug"]').fill("can-it-spread")
        page.locator('select[name="topic"]').select_option("causes")
        page.get_by_role("button", name="Save and continue editing").click()
        expect_success(page, "was changed successfully")

        # Readers see none of it.
        page.goto(condition_url)
        expect(page.locator("dl.facts")).to_contain_text("Crow–Fukase syndrome")
        expect(page.get_by_text("Takatsuki disease")).to_have_count(0)
        expect(page.locator("dl.facts")).not_to_contain_text("GARD 7411")
        expect(page.locator("dl.facts")).to_contain_text("ORPHA 2905: POEMS syndrome")
        assert page.request.get(new_url).status == 404
        assert page.request.get(old_url, max_redirects=0).status == 200

        # The writer submits both.
        for url in (
            reverse("admin:answers_condition_submit", args=[condition.pk]),
            reverse("admin:answers_question_submit", args=[question.pk]),
        ):
            page.goto(base + url)
            page.get_by_role("button", name="Submit for review").click()
            expect_success(page, "Submitted for medical review.")
        # A writer is shown no decision to take.
        page.goto(base + reverse("admin:answers_condition_review", args=[condition.pk]))
        expect(page.locator("#approve-form")).to_have_count(0)
        expect(page.locator("#why-no-decision")).to_be_visible()
        log_out(page)

        # A second reviewer: the queue, the page as readers will get it, the diff.
        log_in(page, base, people.second_reviewer)
        page.locator("#review-queues").get_by_role(
            "link", name="Condition facts: awaiting my review"
        ).click()
        page.locator("#result_list").get_by_role("link", name="POEMS syndrome").click()
        page.get_by_role("link", name="Review screen", exact=True).click()
        preview = page.frame_locator("#page-preview")
        expect(preview.locator("h1")).to_have_text("POEMS syndrome")
        expect(preview.locator("dl.facts")).to_contain_text("Takatsuki disease")
        expect(preview.locator("dl.facts")).to_contain_text(
            "GARD 7411: POEMS syndrome (checked against GARD release"
        )
        expect(preview.locator(".preview-structured-data")).to_contain_text(
            "Takatsuki disease"
        )
        expect(page.locator("#diff")).to_contain_text("Takatsuki disease")
        page.screenshot(path=SHOTS / "condition-review.png", full_page=True)
        approve_on_review_screen(page)

        page.goto(base + reverse("admin:answers_question_review", args=[question.pk]))
        preview = page.frame_locator("#page-preview")
        expect(preview.locator("h1")).to_have_text("Is POEMS syndrome contagious?")
        # The answer's About block, from the facts just approved.
        expect(preview.locator(".about-condition")).to_contain_text("Takatsuki disease")
        expect(page.locator("#diff")).to_contain_text("can-it-spread")
        expect(page.locator("#diff")).to_contain_text("Causes")
        page.screenshot(path=SHOTS / "answer-review.png", full_page=True)
        approve_on_review_screen(page)
        log_out(page)

        # Readers get the new facts and the new address; the old one moved.
        page.goto(condition_url)
        expect(page.locator("dl.facts")).to_contain_text("Takatsuki disease")
        expect(page.locator("dl.facts")).to_contain_text("GARD 7411: POEMS syndrome")
        expect(page.locator("dl.facts")).not_to_contain_text("ORPHA 2905")
        expect(page.locator("section.topic").first).to_contain_text("Causes")
        moved = page.request.get(old_url, max_redirects=0)
        assert moved.status == 301
        assert moved.headers["location"] == "/conditions/poems-syndrome/can-it-spread/"
        page.goto(old_url)
        assert page.url == new_url
        expect(page.locator(".about-condition")).to_contain_text("Takatsuki disease")
        page.screenshot(path=SHOTS / "answer-after.png", full_page=True)
    except Exception:
        page.screenshot(path=SHOTS / "failure.png", full_page=True)
        raise

"""In Chromium: a writer edits a live answer and submits it; a second reviewer finds
it in their queue, reads the diff and approves; the public page then shows the new
text and the new dates. Invariant 1 (the public never sees a draft) is checked on
the way."""

import re
import tempfile
import types
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from answers.models import AnswerRevision
from devdata.personas import (
    GOOD_SHORT_ANSWER,
    PASSWORD,
    draft,
    make_condition,
    make_personas,
    publish,
    totp_code,
)

OLD_SHORT_ANSWER = GOOD_SHORT_ANSWER
# Chosen so the word diff shows the phrase as one block of added words.
NEW_PHRASE = "a few marrow cells, which no germ or contact can spread"
NEW_SHORT_ANSWER = (
    "No. This condition is not an infection, so you cannot catch it from someone "
    f"or pass it on. It grows from a change in {NEW_PHRASE}."
)
SCREENSHOT = Path(tempfile.gettempdir()) / "test_browser_review_flow-failure.png"


def log_in(page: Page, base_url: str, user) -> None:
    """The admin's two steps: password, then the code the persona's
    authenticator app would show now (computed from the device's key)."""
    page.goto(base_url + reverse("admin:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("heading", name="Two-factor authentication")
    ).to_be_visible()
    page.get_by_label("6-digit code").fill(totp_code(user))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()


def expect_success(page: Page, text: str | re.Pattern) -> None:
    expect(page.locator("ul.messagelist li.success")).to_contain_text(text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_publishes_an_edit_after_review_in_the_browser(live_server, page: Page):
    personas = types.SimpleNamespace()
    make_personas(personas)
    long_ago = timezone.now() - timedelta(days=200)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(personas.writer, condition, at=long_ago)
    publish(question, writer=personas.writer, reviewer=personas.reviewer, at=long_ago)
    old_date = timezone.localdate(long_ago).isoformat()

    base = live_server.url
    change_url = base + reverse("admin:answers_question_change", args=[question.pk])
    public_url = base + question.get_absolute_url()
    console_errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        # Chromium asks every site for /favicon.ico; the 404 is not the app's page.
        if message.type == "error" and not message.location["url"].endswith(
            "/favicon.ico"
        ):
            console_errors.append(f"{page.url}: {message.text}")

    page.on("console", collect)
    page.on("pageerror", lambda error: console_errors.append(f"{page.url}: {error}"))

    try:
        # The writer edits the live answer; the public still sees the old one.
        log_in(page, base, personas.writer)
        page.goto(change_url)
        page.locator('textarea[name="short_answer"]').fill(NEW_SHORT_ANSWER)
        page.get_by_role("button", name="Save and continue editing").click()
        expect_success(page, "was changed successfully")

        page.goto(public_url)
        expect(page.locator("p.short-answer")).to_have_text(OLD_SHORT_ANSWER)
        expect(page.locator("dd#last-updated")).to_have_text(old_date)
        expect(page.get_by_text(NEW_PHRASE)).to_have_count(0)

        page.goto(change_url)
        page.get_by_role("link", name="Submit for review", exact=True).click()
        page.get_by_role("button", name="Submit for review").click()
        expect_success(page, "Submitted for medical review.")
        expect(page.locator(".dm-status").first).to_contain_text("In review")
        log_out(page)

        # A second reviewer finds it in their queue, reads the diff, approves.
        log_in(page, base, personas.second_reviewer)
        page.locator("#review-queues").get_by_role(
            "link", name="Awaiting my review", exact=True
        ).click()
        results = page.locator("#result_list")
        expect(results).to_contain_text(question.text)
        results.get_by_role("link", name=question.text).click()
        page.get_by_role("link", name="Open review screen").click()

        diff = page.locator("table#diff")
        expect(diff.locator("ins", has_text=NEW_PHRASE)).to_have_count(1)
        expect(diff.locator("del", has_text="inside")).to_have_count(1)
        expect(diff.locator("del", has_text="body.")).to_have_count(1)

        approve_form = page.locator("#approve-form")
        approve_form.get_by_label("I have no conflict of interest").check()
        approve_form.get_by_role("button", name="Approve and publish").click()
        expect_success(page, "Approved: revision 2 is now live.")

        # The public page shows the new text once, with today's dates.
        today = timezone.localdate()
        page.goto(public_url)
        expect(page.locator("p.short-answer")).to_have_text(NEW_SHORT_ANSWER)
        main_text = page.locator("main").inner_text()
        assert main_text.count(NEW_SHORT_ANSWER) == 1
        assert OLD_SHORT_ANSWER not in main_text
        expect(page.locator("dd#last-updated")).to_have_text(today.isoformat())
        expect(page.locator("dd#last-reviewed")).to_have_text(today.isoformat())
        expect(page.locator("dd#next-review")).to_have_text(
            (today + timedelta(days=365)).isoformat()
        )
        expect(page.locator(".review-box p").first).to_contain_text(
            re.compile(r"^Reviewed by Dr Sam Lindqvist\b")
        )
    except Exception:
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        raise

    revisions = AnswerRevision.objects.filter(question=question).order_by("number")
    assert revisions.count() == 2
    assert revisions.last().reviewer == personas.second_reviewer_profile
    assert console_errors == [], "\n".join(console_errors)

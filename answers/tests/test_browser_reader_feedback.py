"""In Chromium, without JavaScript: an anonymous reader says an answer did not
help and reports a wrong statement in one section, leaving an address; a
writer triages and accepts it and drafts the fix with a change summary for
readers; a second reviewer sees the report on the review screen and approves
with it ticked; the page then lists the correction, so does
/about/corrections/, and the reader's mailbox (locmem) gets one mail. axe
finds nothing on the reader's pages at 1280 and 360 px.

Staff sessions come from `Client.force_login`, which also completes the
second factor (devdata.personas), rather than typing codes."""

import time
import types

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from answers import services
from answers.models import Feedback, FeedbackState
from devdata.personas import Client, draft, make_condition, make_personas, publish
from public.forms import MIN_SECONDS
from public.tests.axe import violations_on

SUMMARY = "Corrected the age at which symptoms usually start."
READER_TEXT = "The first section says it starts in childhood; it is usually after 50."


def session_cookie(base_url: str, user) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": "sessionid",
        "value": client.cookies["sessionid"].value,
        "url": base_url,
    }


def fits_a_phone(page, name: str, width: int) -> None:
    if width == 360:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, f"{name}: page is {scroll_width}px wide"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_report_becomes_a_public_correction(live_server, browser, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people = types.SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    base = live_server.url
    answer = question.get_absolute_url()

    reader = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = reader.new_page()
    page.goto(base + answer)
    page.get_by_role("button", name="No").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    page.get_by_role("link", name="Report a problem with this answer").click()
    expect(page.locator("#not-for-emergencies")).to_contain_text("emergency number")
    page.get_by_label("Something is wrong").check()
    page.get_by_label("Which part of the answer?").select_option("What causes it?")
    page.get_by_label("What did you notice?").fill(READER_TEXT)
    page.get_by_label("Your email address (optional)").fill("reader@example.org")
    time.sleep(MIN_SECONDS + 0.2)  # a person takes longer than a script
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("We have your report")).to_be_visible()
    report = Feedback.objects.get()
    assert (report.section, report.reply_to) == (
        "What causes it?",
        "reader@example.org",
    )

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    staff.add_cookies([session_cookie(base, people.writer)])
    page = staff.new_page()
    page.goto(base + reverse("admin:answers_feedback_work", args=[report.pk]))
    expect(page.locator("#feedback-text")).to_have_text(READER_TEXT)
    page.get_by_role("button", name="Accept: the answer needs a fix").click()
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    page.goto(base + reverse("admin:answers_question_change", args=[question.pk]))
    body = page.locator("#id_body")
    body.fill(body.input_value() + "\n\nIt usually starts after the age of 50.")
    page.get_by_label("Change summary for readers").fill(SUMMARY)
    page.locator("input[name=_continue]").click()
    expect(page.locator("ul.messagelist li.success")).to_be_visible()
    question.refresh_from_db()
    services.submit_for_review(item=question, user=people.writer)
    staff.close()

    reviewer = browser.new_context(viewport={"width": 1280, "height": 900})
    reviewer.add_cookies([session_cookie(base, people.second_reviewer)])
    page = reviewer.new_page()
    page.goto(base + reverse("admin:answers_question_review", args=[question.pk]))
    expect(page.locator("#open-feedback")).to_contain_text(READER_TEXT)
    expect(page.locator("#draft-change-summary")).to_have_text(SUMMARY)
    expect(page.locator(f"#close-feedback-{report.pk}")).to_be_checked()
    page.locator("#approve-form input[name=approve-coi_confirmed]").check()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        "1 reader report(s) closed"
    )
    reviewer.close()

    report.refresh_from_db()
    assert report.state == FeedbackState.CLOSED and report.reply_to == ""
    page = reader.new_page()
    page.goto(base + answer)
    expect(page.locator(".corrections-list")).to_contain_text(SUMMARY)
    page.goto(base + reverse("public:corrections"))
    expect(page.locator(".corrections-log")).to_contain_text(SUMMARY)
    reader.close()
    to_reader = [m for m in mail.outbox if m.to == ["reader@example.org"]]
    assert len(to_reader) == 1
    assert SUMMARY in to_reader[0].body

    slug = question.live_revision.slug
    pages = {
        "answer with corrections": answer,
        "report form": reverse("public:feedback", args=["poems-syndrome", slug]),
        "thanks after no": reverse(
            "public:feedback_thanks", args=["poems-syndrome", slug]
        )
        + "?said=no",
        "corrections": reverse("public:corrections"),
        "editorial policy": reverse("public:editorial_policy"),
    }
    assert violations_on(browser, base, pages, then=fits_a_phone) == {}

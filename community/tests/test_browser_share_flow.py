"""The whole community flow in Chromium: a new member signs up, confirms the
email from the test mailbox, posts on a question; a moderator approves it in the
admin; the answer page then counts one person."""

import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from community.models import CONSENT_TEXT, Experience
from devdata.personas import (
    PASSWORD,
    draft,
    make_condition,
    make_personas,
    publish,
    totp_code,
)

NO_IP_LIMITS = override_settings(
    ACCOUNT_RATE_LIMITS={"signup": "", "login": "", "login_failed": ""}
)
STORY = "Nobody in my family caught it from me. We checked with my care team early on."


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_member_shares_and_the_answer_page_counts_them(live_server, browser):
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(
        people.writer,
        condition,
        slug="is-it-contagious",
        text="Is POEMS syndrome contagious?",
        at=timezone.now() - timedelta(days=10),
    )
    publish(question, writer=people.writer, reviewer=people.reviewer)
    answer_url = live_server.url + question.get_absolute_url()
    email = f"new.member.{uuid.uuid4().hex[:6]}@example.org"
    errors: list[str] = []

    with NO_IP_LIMITS:
        context = browser.new_context()
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(answer_url)
        expect(page.locator("#question-sharers")).to_have_text(
            "No one has shared an experience on this question yet."
        )
        # The invitation asks a visitor to log in; they sign up instead.
        page.get_by_role("link", name="Be the first to share yours").click()
        page.get_by_role("link", name="Sign up").first.click()
        mail.outbox.clear()
        page.get_by_label("Email").fill(email)
        page.locator('input[name="password1"]').fill(PASSWORD)
        page.locator('input[name="password2"]').fill(PASSWORD)
        page.get_by_label("Public name (pseudonym)").fill("QuietRiver")
        page.get_by_label(CONSENT_TEXT).check()
        page.get_by_role("button", name="Create my account").click()

        # The verification link from the test mailbox.
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
        link = re.search(
            r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body
        )
        page.goto(link.group().replace("http://testserver", live_server.url))
        page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
        if "/accounts/login/" in page.url:
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
        expect(page.locator(".account-name")).to_have_text("QuietRiver")

        # Post on the question.
        page.goto(answer_url)
        page.get_by_role("link", name="Be the first to share yours").click()
        expect(page.get_by_label("What is your experience about?")).to_have_value(
            str(question.pk)
        )
        page.get_by_label("I live with it").check()
        page.get_by_role("textbox", name="Your experience").fill(STORY)
        page.get_by_role("button", name="Post").click()
        expect(page.locator(".site-messages")).to_contain_text("A moderator reads")
        expect(page.locator(".post-status")).to_have_text("Waiting for moderation")
        page.goto(answer_url)
        # Waiting for moderation: still no one has shared.
        expect(page.locator("#question-sharers")).to_contain_text("No one")
        context.close()

        # The moderator approves it in the admin.
        context = browser.new_context()
        page = context.new_page()
        page.goto(live_server.url + "/admin/login/")
        page.get_by_label("Username").fill("mo")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("6-digit code").fill(totp_code(people.moderator))
        page.get_by_role("button", name="Verify").click()
        page.get_by_role("link", name="New posts").click()
        page.get_by_role("link", name="Moderate").click()
        expect(page.locator(".dm-preview")).to_contain_text("Nobody in my family")
        page.get_by_role("button", name="Approve and publish").click()
        expect(page.locator(".messagelist")).to_contain_text(
            "Approve and publish: done"
        )
        context.close()

    experience = Experience.objects.get()
    assert experience.status == "published"
    assert experience.author.pseudonym == "QuietRiver"
    assert mail.outbox[-1].subject == "Your post is published"

    context = browser.new_context()
    page = context.new_page()
    page.goto(answer_url)
    expect(page.locator("#question-sharers")).to_have_text(
        "1 person with POEMS syndrome has shared their first-person experience on "
        "this question."
    )
    expect(page.locator(".community .experience")).to_contain_text(STORY)
    expect(page.locator(".community .experience-label")).to_have_text(
        "Personal experience, not medical advice"
    )
    assert email not in page.content()
    context.close()
    assert errors == []

"""In Chromium, no hostile member text runs: no dialog, no script, no handler."""

import uuid
from types import SimpleNamespace
from unittest import mock

import pytest
from django.urls import reverse

from community import services
from community.tests.xss_payloads import FILLER, PAYLOADS
from diseasemaps.testing import draft, make_condition, make_personas, publish


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_hostile_posts_do_not_run_in_the_browser(live_server, page):
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    stored = 0
    with mock.patch.object(services, "POST_LIMIT", (1000, 3600)):
        for payload in PAYLOADS:
            if "\x00" in payload:
                continue  # refused by the form, see test_member_text_is_inert
            experience = services.post_experience(
                user=people.member,
                condition=condition,
                question=question,
                relation="lives_with",
                body=payload + FILLER,
                submission_key=uuid.uuid4(),
            )
            if experience.status == "pending":  # trusted after three approvals
                services.approve_experience(
                    user=people.moderator, experience=experience
                )
            stored += 1

    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    list_url = live_server.url + reverse(
        "community:experiences", args=["poems-syndrome"]
    )
    urls = [f"{list_url}?page={n}" for n in range(1, (stored + 9) // 10 + 1)]
    urls += [live_server.url + question.get_absolute_url()]
    shown = 0
    for url in urls:
        page.goto(url)
        # Give autofocus, onload and animation handlers their chance to fire.
        page.wait_for_timeout(150)
        page.mouse.move(200, 300)
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert (
            page.evaluate(
                "document.querySelectorAll('script:not([type=\"application/ld+json\"])').length"
            )
            == 0
        )
        if "page=" in url:
            shown += page.locator(".experience").count()
    assert dialogs == []
    assert errors == []
    assert shown == stored >= 100

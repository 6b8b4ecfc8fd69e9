"""Community pages in Chromium: axe finds no violations; phones need no sideways
scrolling; the post form works without JavaScript."""

from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from community.tests.helpers import share, share_published
from devdata.personas import (
    Client,
    approve_crisis_contact,
    draft,
    make_condition,
    make_crisis_contact,
    make_personas,
    publish,
)


def logged_in_context(browser, live_server, user, width: int, **options):
    # A staff user's session also passes the second factor (personas.Client).
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 800}, **options)
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context


@pytest.fixture
def site(live_server):
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    share_published(
        people.other_member, condition, question, moderator=people.moderator
    )
    share(people.member, condition, question)  # pending, shown to its author
    return SimpleNamespace(people=people, condition=condition, question=question)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_community_pages(site, live_server, browser):
    pages = {
        "experiences": reverse("community:experiences", args=["poems-syndrome"]),
        "filtered": reverse("community:experiences", args=["poems-syndrome"])
        + "?question=is-it-contagious",
        "post form": reverse("community:share", args=["poems-syndrome"]),
        "me": reverse("community:me"),
        "delete account": reverse("community:delete_account"),
        "answer with community": site.question.get_absolute_url(),
    }
    axe = Axe()
    found = {}
    for width in (1280, 360):
        context = logged_in_context(browser, live_server, site.people.member, width)
        page = context.new_page()
        for name, path in pages.items():
            page.goto(live_server.url + path)
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"{name} @ {width}"] = [
                    f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:2]]}"
                    for v in violations
                ]
            if width == 360:
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= 360, f"{name} is {wide}px wide at 360"
        # The form with errors and identifying warnings, as a member sees it.
        page.goto(live_server.url + pages["post form"])
        page.get_by_label("I live with it").check()
        page.get_by_role("textbox", name="Your experience").fill(
            "Call me on 07700 900123 please, any day."
        )
        page.get_by_role("button", name="Post").click()
        expect(page.locator("#identifying-warning")).to_be_visible()
        violations = axe.run(page).response["violations"]
        if violations:
            found[f"warning @ {width}"] = [v["id"] for v in violations]
        context.close()
    assert found == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_posting_works_without_javascript(site, live_server, browser):
    context = logged_in_context(
        browser, live_server, site.people.member, 1280, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(
        live_server.url
        + reverse("community:share", args=["poems-syndrome"])
        + "?question=is-it-contagious"
    )
    page.get_by_label("I care for someone who has it").check()
    page.get_by_role("textbox", name="Your experience").fill(
        "My husband was tired for a year before anyone found the cause."
    )
    page.get_by_role("button", name="Preview").click()
    assert "My husband was tired" in page.locator(".preview").inner_text()
    page.get_by_role("button", name="Post").click()
    assert page.url.endswith(reverse("community:me"))
    assert "A moderator reads every new post" in page.content()
    assert page.locator(".my-post").count() == 2
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_passes_on_a_condition_page_with_the_map(site, live_server, browser):
    from community import services
    from devdata.personas import make_member

    for n, country in enumerate(["GB"] * 11 + ["IE"] * 10 + ["FR"] * 6):
        member = make_member(f"mapper{n}").member
        services.update_profile(member=member, country=country, counted_in_map=True)
        services.set_relation(
            member=member, condition=site.condition, relation="family"
        )
    axe = Axe()
    for width in (1280, 360):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(live_server.url + site.condition.get_absolute_url())
        assert page.locator("svg.map-chart g.map-row").count() == 3
        assert page.locator("table.map-table tbody tr").count() == 3
        assert axe.run(page).response["violations"] == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()


CRISIS = (
    "Since the diagnosis I cannot sleep and honestly I just want to die. "
    "I do not know who else to tell."
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_crisis_post_shows_support_and_heads_the_moderators_queue(
    site, live_server, browser, tmp_path
):
    """Issue 18: a member posts a crisis sentence (no JavaScript), sees the
    support page at once with the approved crisis contacts of the country on
    their profile, then the general ones, never a draft (axe clean, 1280 and
    360 px); the post is held, and it is first in the moderators' work."""
    from community.models import Experience, ExperienceStatus, Member, RiskLevel

    people = site.people
    Member.objects.filter(user=people.member).update(country="GB")
    approve_crisis_contact(make_crisis_contact(people.writer), people.reviewer)
    approve_crisis_contact(
        make_crisis_contact(
            people.writer,
            country="",
            service="Find A Helpline",
            phone="",
            other_contact="https://findahelpline.com/",
        ),
        people.reviewer,
    )
    make_crisis_contact(people.writer, service="Unapproved Line", phone="0800 1")

    axe = Axe()
    for width, scripts in ((1280, False), (360, True)):
        # Posting works without JavaScript; axe needs it to run.
        context = logged_in_context(
            browser, live_server, site.people.member, width, java_script_enabled=scripts
        )
        page = context.new_page()
        page.goto(live_server.url + reverse("community:share", args=["poems-syndrome"]))
        page.get_by_label("I live with it").check()
        page.get_by_role("textbox", name="Your experience").fill(CRISIS)
        page.get_by_role("button", name="Post").click()
        assert page.url.endswith(reverse("community:support")), page.url
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you for telling us"
        )
        expect(
            page.get_by_text("If you or someone else is in danger now")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="In United Kingdom")).to_be_visible()
        call = page.get_by_role("link", name="116 123")
        expect(call).to_have_attribute("href", "tel:116123")
        expect(page.get_by_text("Last checked 1 November 2026").first).to_be_visible()
        expect(
            page.get_by_role("link", name="https://findahelpline.com/")
        ).to_be_visible()
        expect(page.get_by_text("Unapproved Line")).to_have_count(0)
        page.screenshot(path=tmp_path / f"support-{width}.png", full_page=True)
        context.close()
    for width in (1280, 360):
        context = logged_in_context(browser, live_server, site.people.member, width)
        page = context.new_page()
        page.goto(live_server.url + reverse("community:support"))
        assert axe.run(page).response["violations"] == [], width
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"support page is {wide}px wide at {width}"
        context.close()

    held = Experience.objects.filter(author__user=site.people.member, risk="high")
    assert held.count() == 2
    assert {post.status for post in held} == {ExperienceStatus.PENDING}
    assert {post.risk for post in held} == {RiskLevel.HIGH}

    context = logged_in_context(browser, live_server, site.people.moderator, 1280)
    page = context.new_page()
    page.goto(live_server.url + reverse("admin:index"))
    queue = page.get_by_role("link", name="High risk: act within 1 hour")
    expect(queue.first).to_be_visible()
    queue.first.click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    page.screenshot(path=tmp_path / "moderator-queue.png", full_page=True)
    context.close()


MEMBERS_ONLY_STORY = (
    "Only other members should read this: the night sweats came back twice this winter."
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sharing_for_members_only(site, live_server, browser):
    """A member chooses "Members only" on the form (axe clean at 1280 and 360
    px); once approved, members read it with its author's name; a visitor who
    is not logged in reads only how many such posts there are."""
    from community import services
    from community.models import Experience

    axe = Axe()
    share_url = live_server.url + reverse("community:share", args=["poems-syndrome"])
    for width in (1280, 360):
        context = logged_in_context(browser, live_server, site.people.member, width)
        page = context.new_page()
        page.goto(share_url)
        expect(
            page.get_by_role("group", name="Who can read your post?")
        ).to_be_visible()
        assert axe.run(page).response["violations"] == [], width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()

    context = logged_in_context(browser, live_server, site.people.member, 1280)
    page = context.new_page()
    page.goto(share_url)
    expect(
        page.get_by_label("Everyone: anyone can read it", exact=False)
    ).to_be_checked()
    page.get_by_label("I live with it").check()
    page.get_by_role("textbox", name="Your experience").fill(MEMBERS_ONLY_STORY)
    page.get_by_label("Members only: only people logged in", exact=False).check()
    page.get_by_role("button", name="Post").click()
    assert page.url.endswith(reverse("community:me"))
    expect(page.locator(".post-audience").first).to_have_text("for members only")
    context.close()

    post = Experience.objects.get(body=MEMBERS_ONLY_STORY)
    assert post.audience == "members"
    services.approve_experience(user=site.people.moderator, experience=post)

    experiences = live_server.url + reverse(
        "community:experiences", args=["poems-syndrome"]
    )
    for width in (1280, 360):
        context = logged_in_context(
            browser, live_server, site.people.other_member, width
        )
        page = context.new_page()
        page.goto(experiences)
        expect(page.locator(".experience", has_text="night sweats")).to_contain_text(
            "SunnyMina"
        )
        expect(page.locator(".audience-badge")).to_have_text("Members only")
        assert axe.run(page).response["violations"] == [], width
        context.close()

        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(experiences)
        expect(page.locator("#members-only")).to_contain_text(
            "1 more post only members can read."
        )
        assert "night sweats" not in page.content()
        assert "SunnyMina" not in page.content()
        assert axe.run(page).response["violations"] == [], width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()

"""Account pages in Chromium: axe finds no violations, a 360 px phone needs no
sideways scrolling, and a visitor signs up, confirms and logs in without
JavaScript."""

import re
import tempfile
import uuid
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.test import override_settings
from playwright.sync_api import expect

from community.models import CONSENT_TEXT, Member
from devdata.personas import PASSWORD, ensure_roles, make_member
from public.tests.axe import describe

PAGES = {
    "sign-up": "/accounts/signup/",
    "login": "/accounts/login/",
    "password reset": "/accounts/password/reset/",
    "verification sent": "/accounts/confirm-email/",
}
SCREENSHOTS = Path(tempfile.gettempdir()) / "diseasemaps-screenshots"
# The live server answers every browser from 127.0.0.1, and allauth's rate
# limits live in the cache, which outlives a test run when it is Redis. These
# tests are about the pages, not the limits (test_signup.py covers those).
NO_IP_LIMITS = override_settings(
    ACCOUNT_RATE_LIMITS={"signup": "", "login": "", "login_failed": ""}
)


def fill_signup(page, *, email: str, pseudonym: str) -> None:
    page.get_by_label("Email").fill(email)
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.get_by_label("Public name (pseudonym)").fill(pseudonym)
    page.get_by_label(CONSENT_TEXT).check()
    page.get_by_role("button", name="Create my account").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_account_pages(live_server, browser):
    ensure_roles()
    make_member("mina", pseudonym="SunnyMina")
    axe = Axe()
    found = {}
    with NO_IP_LIMITS:
        for width in (1280, 360):
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            for name, path in PAGES.items():
                page.goto(live_server.url + path)
                violations = axe.run(page).response["violations"]
                if violations:
                    found[f"{name} @ {width}px"] = describe(violations)
            # Pages showing errors: a refused sign-up and a refused login.
            page.goto(live_server.url + PAGES["sign-up"])
            fill_signup(page, email="someone@example.org", pseudonym="sunnymina")
            expect(
                page.get_by_text("This name is taken, kept for the site")
            ).to_be_visible()
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"sign-up with errors @ {width}px"] = describe(violations)
            page.goto(live_server.url + PAGES["login"])
            page.get_by_label("Email").fill("mina@example.org")
            page.get_by_label("Password").fill("not the password")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_text("password you specified are not")).to_be_visible()
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"login with errors @ {width}px"] = describe(violations)
            context.close()
    assert found == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_shows_account_pages_without_sideways_scrolling(live_server, browser):
    ensure_roles()
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, f"{name}: page is {scroll_width}px wide"
        assert page.locator("h1").count() == 1, name
    page.goto(live_server.url + PAGES["sign-up"])
    page.screenshot(path=str(SCREENSHOTS / "signup-360.png"), full_page=True)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_signs_up_confirms_and_logs_in_without_javascript(
    live_server, browser
):
    ensure_roles()
    email = f"heron.{uuid.uuid4().hex[:8]}@example.org"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    with NO_IP_LIMITS:
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="Sign up").click()
        fill_signup(page, email=email, pseudonym="Quiet Heron")

        assert page.locator("h1").inner_text() == "Check your email"
        assert email not in page.content()
        assert Member.objects.get(user__email=email).pseudonym == "Quiet Heron"
        assert len(mail.outbox) == 1
        link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)

        page.goto(link)
        assert page.locator("h1").inner_text() == "Confirm your email address"
        page.get_by_role("button", name="Confirm").click()

        assert page.locator("h1").inner_text() == "Log in"
        expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        response_to = page.expect_response(lambda r: r.url.endswith("/me/"))
        with response_to as landing:
            page.get_by_role("button", name="Log in").click()

        assert page.url == live_server.url + "/me/"
        # /me/ is built in parallel; until then a 404 there is fine, but the
        # header must show the member logged in, by pseudonym only.
        assert landing.value.status in {200, 404}
        header = page.locator("header").inner_text()
        assert "Logged in as Quiet Heron" in header
        assert email not in page.content()

        page.get_by_role("button", name="Log out").click()
        assert page.url == live_server.url + "/"
        expect(page.get_by_role("link", name="Log in")).to_be_visible()
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_mail_outage_page_passes_axe_and_fits_a_phone(live_server, browser):
    """Signing up while the mail server is down: the 503 page that says so."""
    from community.tests.test_account_email_outage import mail_server_down

    ensure_roles()
    axe = Axe()
    found = {}
    with NO_IP_LIMITS, mail_server_down():
        for width in (1280, 360):
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            page.goto(live_server.url + PAGES["sign-up"])
            fill_signup(
                page,
                email=f"down.{uuid.uuid4().hex[:8]}@example.org",
                pseudonym=f"Reader {uuid.uuid4().hex[:6]}",
            )
            heading = page.get_by_role("heading", level=1)
            assert heading.inner_text() == "We could not send the email"
            expect(page.get_by_text("your account is saved")).to_be_visible()
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"mail outage @ {width}px"] = describe(violations)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"page is {scroll_width}px wide"
            context.close()
    assert found == {}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_adding_an_address_asks_for_the_password_then_goes_through(
    live_server, browser
):
    """Issue 15: an open session alone cannot change the account. Without
    JavaScript, as a member: the password page comes between the form and the
    change, fits a phone, and the change then goes through. Then axe checks
    the password page (axe itself needs JavaScript)."""
    ensure_roles()
    member = make_member("mina", pseudonym="SunnyMina")
    new = f"second.{uuid.uuid4().hex[:8]}@example.org"

    def log_in(page) -> None:
        page.goto(live_server.url + PAGES["login"])
        page.get_by_label("Email").fill(member.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

    with NO_IP_LIMITS:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": 360, "height": 740}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page)
        page.goto(live_server.url + "/accounts/email/")
        page.locator('input[name="email"][type="email"]').fill(new)
        page.locator('button[name="action_add"]').click()

        assert page.locator("h1").inner_text() == "Type your password"
        assert new not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()

        assert page.url == live_server.url + "/accounts/email/"
        expect(page.get_by_text(new)).to_be_visible()
        context.close()

        axe = Axe()
        found = {}
        for width in (1280, 360):
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            page.set_default_timeout(15_000)
            log_in(page)
            page.goto(live_server.url + "/accounts/reauthenticate/")
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"password page @ {width}px"] = describe(violations)
            context.close()
    assert found == {}

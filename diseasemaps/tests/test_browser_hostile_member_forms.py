"""The whole hostile corpus through every form a member stores text with,
then the pages that show it, in Chromium.

Forms: share and edit (ten payloads per post or edit, as paragraphs),
report (reasons of up to 1,000 characters), sign-up (the pseudonym; every
payload judged by allauth's real form, the accepted ones and a sample of
refusals through the page), profile (country) and "my conditions". A form
may refuse a payload, but then with a field error and nothing stored; what
it stores must be exactly what was sent (after the documented
normalisation: trimmed, LF line ends). The pages are then read as the
server sends them (BeautifulSoup) and in Chromium (hostile_browser): no
script runs, no handler or script URL survives, and every stored payload's
marker is visible as text. This replaces the earlier browser test of the
136 member-text payloads, whose list is part of the corpus.
"""

import time
import uuid
from types import SimpleNamespace
from unittest import mock

import pytest
from allauth.account.forms import SignupForm
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_countries import countries

from community import services, views
from community.admin import ReportAdmin
from community.forms import MemberConditionForm, ProfileForm
from community.models import Experience, Member, Report
from community.tests.account_helpers import fresh_ip
from community.tests.helpers import STORY
from community.tests.xss_payloads import FILLER
from devdata.personas import (
    PASSWORD,
    Client,
    draft,
    make_condition,
    make_personas,
    publish,
    report_figure,
)
from diseasemaps.tests.hostile_browser import HostileBrowser, assert_inert_html
from diseasemaps.tests.hostile_corpus import (
    MARKER,
    Laps,
    corpus,
    count_marked,
    marked,
    sources,
)

COUNTRY_CODES = {"", *dict(countries)}
NUL_REFUSAL = "Null characters are not allowed."
PER_PAGE = 250


def normalised(text: str) -> str:
    return text.strip().replace("\r\n", "\n").strip()


def batches(items: list[tuple[int, str]], *, size: int, limit: int, form: str):
    """Payloads joined as paragraphs, `size` at most, within `limit` characters."""
    batch: list[str] = []
    for index, payload in items:
        text = marked(index, payload, form)
        if batch and (len(batch) == size or len("\n\n".join([*batch, text])) > limit):
            yield "\n\n".join(batch)
            batch = []
        batch.append(text)
    if batch:
        yield "\n\n".join(batch)


def session_cookie(live_server, user) -> dict:
    client = Client()
    client.force_login(user)
    value = client.cookies["sessionid"].value
    return {"name": "sessionid", "value": value, "url": live_server.url}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_corpus_through_every_member_form_is_inert_in_chromium(
    live_server, page, settings
):
    settings.ACCOUNT_RATE_LIMITS = False
    started = time.monotonic()
    payloads = list(enumerate(corpus()))
    clean = [(i, p) for i, p in payloads if "\x00" not in p]
    with_nul = [(i, p) for i, p in payloads if "\x00" in p]
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    member = people.member
    limits = [
        mock.patch.object(services.posts, "POST_LIMIT", (10**6, 3600)),
        mock.patch.object(services.posts, "REPORT_LIMIT", (10**6, 3600)),
        mock.patch.object(services.posts, "REPORT_DAILY_LIMIT", (10**6, 86400)),
        # One reporter without a record reports every post of one author.
        mock.patch.object(
            services.posts, "REPORTS_PER_AUTHOR_WITHOUT_RECORD", (10**6, 86400)
        ),
        mock.patch.object(views, "PAGE_SIZE", PER_PAGE),
        mock.patch.object(ReportAdmin, "list_per_page", 10**4),
    ]
    for patch in limits:
        patch.start()
    try:
        # Three approved posts make the member trusted: the rest go live.
        for _ in range(3):
            post = services.post_experience(
                user=member,
                condition=condition,
                question=None,
                relation="lives_with",
                body=STORY,
                submission_key=uuid.uuid4(),
            )
            services.approve_experience(user=people.moderator, experience=post)
        member_client = Client(REMOTE_ADDR=fresh_ip())
        member_client.force_login(member)
        counts: dict[str, list[int]] = {}
        lap = Laps()
        timings = lap.timings

        # --- Share: ten payloads per post ---------------------------------
        share_url = reverse("community:share", args=["poems-syndrome"])
        stored = refused = 0
        bodies = list(batches(clean, size=10, limit=4000, form="S"))
        bodies += [marked(i, p, "S") for i, p in with_nul]
        for number, text in enumerate(bodies):
            body = text + FILLER
            response = member_client.post(
                share_url,
                {
                    "relation": "lives_with",
                    "question": str(question.pk) if number % 2 else "",
                    "body": body,
                    "submission_key": str(uuid.uuid4()),
                    "confirm_identifying": "on",
                    "post": "1",
                },
            )
            if response.status_code == 302:
                stored += count_marked(text, "S")
                post = Experience.objects.filter(author__user=member).first()
                assert post.body == normalised(body), text[:80]
            else:
                refused += count_marked(text, "S")
                assert "\x00" in text, text[:80]
                assert NUL_REFUSAL in response.content.decode()
                assert_inert_html(response.content.decode(), "share form")
        lap("share")
        counts["share"] = [stored, refused]

        # --- Edit: ten payloads per edit of a published post ---------------
        edit_bodies = list(batches(clean, size=10, limit=4000, form="E"))
        stored = refused = 0
        for body in edit_bodies + [marked(i, p, "E") + FILLER for i, p in with_nul]:
            post = services.post_experience(
                user=member,
                condition=condition,
                question=None,
                relation="family",
                body=STORY,
                submission_key=uuid.uuid4(),
            )
            response = member_client.post(
                reverse("community:edit", args=[post.pk]),
                {"body": body + FILLER, "confirm_identifying": "on"},
            )
            if response.status_code == 302:
                post.refresh_from_db()
                assert post.pending_body == normalised(body + FILLER)
                services.decide_edit(
                    user=people.moderator, experience=post, approve=True
                )
                stored += count_marked(body, "E")
            else:
                assert "\x00" in body
                assert NUL_REFUSAL in response.content.decode()
                refused += 1
        lap("edit")
        counts["edit"] = [stored, refused]

        # --- Report: reasons of up to 1,000 characters ---------------------
        reporter = Client(REMOTE_ADDR=fresh_ip())
        reporter.force_login(people.other_member)
        targets = list(Experience.objects.published().filter(author__user=member))
        reasons = list(batches(clean, size=20, limit=1000, form="R"))
        reasons += [marked(i, p, "R") for i, p in with_nul]
        stored = refused = 0
        for target, reason in zip(targets, reasons, strict=False):
            response = reporter.post(
                reverse("community:report", args=[target.pk]), {"reason": reason}
            )
            if response.status_code == 302:
                assert Report.objects.get(experience=target).reason == normalised(
                    reason
                )
                stored += count_marked(reason, "R")
            else:
                assert "\x00" in reason or len(reason) > 1000, reason[:80]
                refused += 1
        lap("report")
        counts["report"] = [stored, refused]

        # --- Sign-up: the pseudonym ----------------------------------------
        # allauth's real sign-up form (ours merged in) judges every payload;
        # the view creates the accounts it accepts and shows the form again
        # for a sample of refusals (rendering 250 countries costs 0.2 s).
        def signup_data(index: int, payload: str) -> dict:
            return {
                "email": f"hostile{index}@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "pseudonym": payload,
                "consent": "on",
            }

        users = get_user_model().objects
        accepted = []
        refused = 0
        for index, payload in payloads:
            data = signup_data(index, payload)
            valid = SignupForm(data=data).is_valid()
            refused += not valid
            sample = not valid and set(payload) & set("<>\"'&:") and index % 8 == 0
            if not (valid or sample):
                continue
            response = Client(REMOTE_ADDR=fresh_ip()).post(
                reverse("account_signup"), data
            )
            if valid:
                assert response.status_code == 302, payload
                new = Member.objects.get(user__email=data["email"])
                accepted.append(new)
                post = services.post_experience(
                    user=new.user,
                    condition=condition,
                    question=None,
                    relation="caregiver",
                    body=STORY,
                    submission_key=uuid.uuid4(),
                )
                services.approve_experience(user=people.moderator, experience=post)
            else:
                assert "pseudonym" in response.context["form"].errors, payload
                assert not users.filter(email=data["email"]).exists()
                assert_inert_html(response.content.decode(), f"sign-up {index}")
        lap("sign-up pseudonym")
        counts["sign-up pseudonym"] = [len(accepted), refused]

        # --- Profile (country) and my conditions ---------------------------
        # Choice fields: the forms refuse anything not on their lists; a
        # sample also goes through the views, which must store nothing.
        profile = Member.objects.get(user=member)
        relations = profile.conditions.count()
        for index, payload in payloads:
            form = ProfileForm({"country": payload, "counted_in_map": "on"})
            if form.is_valid():  # only a listed country code, or none
                assert form.cleaned_data["country"] in COUNTRY_CODES, payload
            form = MemberConditionForm({"condition": payload, "relation": payload})
            assert not form.is_valid(), payload
            if index % 20 == 0:
                member_client.post(
                    reverse("community:update_profile"),
                    {"country": payload, "counted_in_map": "on"},
                )
                member_client.post(
                    reverse("community:add_condition"),
                    {"condition": payload, "relation": payload},
                )
        profile.refresh_from_db()
        assert profile.country in COUNTRY_CODES
        assert profile.conditions.count() == relations
        lap("profile and conditions")
        counts["profile country"] = [0, len(payloads)]
        counts["my conditions"] = [0, len(payloads)]
        stored_seconds = time.monotonic() - started

        # --- Read the pages: server HTML, then Chromium ----------------------
        list_url = reverse("community:experiences", args=["poems-syndrome"])
        total = Experience.objects.published().filter(condition=condition).count()
        urls = [f"{list_url}?page={n}" for n in range(1, total // PER_PAGE + 2)]
        urls += [
            f"{list_url}?question={question.slug}",
            condition.get_absolute_url(),
            question.get_absolute_url(),
        ]
        staff_urls = [
            reverse("admin:community_report_changelist"),
            reverse("admin:community_experience_changelist") + f"?q={MARKER}S",
        ]
        staff_urls += [
            reverse("admin:community_experience_moderate", args=[r.experience_id])
            for r in Report.objects.all()[:3]
        ]
        moderator_client = Client()
        moderator_client.force_login(people.moderator)
        list_text = ""
        for url in urls:
            soup = assert_inert_html(member_client.get(url).content.decode(), url)
            list_text += soup.get_text()
        # Every accepted pseudonym is shown as it was written.
        for new in accepted:
            assert new.pseudonym in list_text, new.pseudonym
        assert_inert_html(
            member_client.get(reverse("community:me")).content.decode(), "/me/"
        )
        for url in staff_urls:
            assert_inert_html(moderator_client.get(url).content.decode(), url)

        browser = HostileBrowser(page, live_server.url)
        page.context.add_cookies([session_cookie(live_server, member)])
        for url in [*urls, reverse("community:me")]:
            browser.check(live_server.url + url)
        page.context.clear_cookies()
        page.context.add_cookies([session_cookie(live_server, people.moderator)])
        for url in staff_urls:
            browser.check(live_server.url + url)
        browser.assert_clean()
    finally:
        for patch in limits:
            patch.stop()

    shown = browser.result.markers
    for form, code in [("share", "S"), ("edit", "E"), ("report", "R")]:
        visible = {m for m in shown if m.startswith(f"{MARKER}{code}")}
        assert len(visible) == counts[form][0], (form, len(visible), counts[form])
    assert accepted, "no pseudonym was accepted at all"
    browser_seconds = time.monotonic() - started - stored_seconds
    summary = ", ".join(
        f"{form} {kept} stored/{refused} refused"
        for form, (kept, refused) in counts.items()
    )
    report_figure(
        "hostile corpus",
        f"{len(payloads)} payloads ("
        + ", ".join(f"{name} {n}" for name, n in sources().items())
        + ")",
    )
    report_figure(
        "hostile member forms",
        f"{summary}; {browser.result.pages} pages, {browser.result.elements:,} "
        f"elements in Chromium: 0 scripts ran, 0 handlers, 0 script URLs; "
        f"stored in {stored_seconds:.0f} s ("
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
        + f"), checked in {browser_seconds:.0f} s",
    )

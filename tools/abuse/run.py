"""make abuse: try the attacks of issue 15 against a production-configured site.

    .venv/bin/python -m tools.abuse.run    (what `make abuse` runs)

Starts the same private servers as `make faults` (PostgreSQL, Redis, SMTP,
gunicorn with DEBUG off; tools/faults/site.py), with BEHIND_PROXY on so that
each "person" can come from an address of their own (the run plays the proxy
and sets X-Forwarded-For). Every attack goes over HTTP as a browser would;
whether it held is read from the database afterwards, not from the page:

1. report flooding from brand-new accounts;
2. taking an account over with a stolen member session;
3. sign-ups posing as reviewers, staff, the site and other members (the six
   names of the issue, and confusables generated from every staff and
   reviewer name);
4. a staff password without the second factor;
5. demo accounts with DEBUG off;
6. differencing the community map by moving one account;
7. keeping a member or a staff member out by failing their password.

Prints what it tried and what held; exits non-zero if anything did not.
"""

import contextlib
import re
import sys
import time
import unicodedata

from tools.abuse.browser import Browser
from tools.faults.site import Report, manage, start

PASSWORD = "a long abuse-run password 42"  # noqa: S105 - throwaway accounts
NEW_PASSWORD = "taken over by someone else 42"  # noqa: S105
# Look-alike letters from other scripts (Cyrillic, Greek) for Latin ones.
LOOKALIKES = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "i": "\u0456",
    "c": "\u0441",
    "p": "\u0440",
    "A": "\u0410",
    "E": "\u0415",
    "O": "\u041e",
    "M": "\u041c",
    "T": "\u0422",
    "K": "\u039a",
}
ISSUE_NAMES = [
    "Dr Rita Osei",
    "DiseaseMaps moderator",
    "Former member.",
    "\u0410dmin",  # Cyrillic capital A
    "MinaW\u3164",  # Hangul filler after a member's name
    "\u3164\u3164\u3164\u3164",  # filler characters only
]


class Run:
    def __init__(self, report: Report, base: str, sink) -> None:
        self.report = report
        self.base = base
        self.sink = sink
        self.addresses = (f"203.0.113.{n}" for n in range(1, 255))
        self.more_addresses = (
            f"198.51.{n // 250}.{n % 250 + 1}" for n in range(10_000)
        )

    def browser(self, address: str | None = None) -> Browser:
        return Browser(self.base, address or next(self.addresses))

    def member_login(self, browser: Browser, email: str, password: str):
        return browser.post("/accounts/login/", {"login": email, "password": password})

    def mails_to(self, address: str) -> int:
        return sum(1 for recipients, _ in self.sink.messages if address in recipients)


# --- Accounts made for the run -----------------------------------------------------


def member(username: str, *, pseudonym: str, **profile):
    from devdata.personas import make_member

    user = make_member(username, pseudonym=pseudonym, password=PASSWORD)
    if profile:
        type(user.member).objects.filter(pk=user.member.pk).update(**profile)
    return user


def published_post(author, condition):
    from community.tests.helpers import share_published
    from devdata.personas import make_user

    moderator = make_user(f"abuse-mod-{author.pk}", group="Moderator")
    return share_published(author, condition, None, moderator=moderator)


# --- 1. Report flooding ------------------------------------------------------------


def report_flooding(run: Run) -> None:
    from answers.models import Condition
    from community.models import Experience, ExperienceStatus, Report

    run.report.section("1. Report flooding from brand-new accounts")
    condition = Condition.objects.published().order_by("name").first()
    author = member("abuse-author", pseudonym="Quiet Author")
    post = published_post(author, condition)
    fresh = [member(f"abuse-flood-{n}", pseudonym=f"Flood {n}") for n in range(6)]
    statuses = []
    for user in fresh:
        browser = run.browser()
        run.member_login(browser, user.email, PASSWORD)
        page = browser.post(
            f"/experiences/{post.pk}/report/",
            {"reason": "I do not like this post at all."},
        )
        statuses.append(page.status)
    post.refresh_from_db()
    reports = Report.objects.filter(experience=post).count()
    run.report.line(
        f"{len(fresh)} accounts made minutes ago each reported one published "
        f"post: answers {statuses}; {reports} reports stored"
    )
    run.report.expect(
        post.status == ExperienceStatus.PUBLISHED,
        f"the post is still published after {len(fresh)} reports from new "
        f"accounts (status: {post.status})",
    )
    page = run.browser().get(f"/conditions/{condition.slug}/experiences/")
    run.report.expect(
        post.body[:40] in page.text, "readers still see it on the experiences page"
    )

    # One account reporting post after post.
    others = [
        published_post(member(f"abuse-target-{n}", pseudonym=f"Target {n}"), condition)
        for n in range(25)
    ]
    flooder = fresh[0]
    browser = run.browser()
    run.member_login(browser, flooder.email, PASSWORD)
    for target in others:
        browser.post(
            f"/experiences/{target.pk}/report/",
            {"reason": "Reporting everything I can find."},
        )
    stored = Report.objects.filter(reporter=flooder).count()
    run.report.line(
        f"one new account reported {len(others)} posts in a row: {stored} "
        "reports stored"
    )
    run.report.expect(
        stored < len(others), f"a reporter's flood is cut off ({stored} stored)"
    )
    hidden = Experience.objects.filter(pk__in=[p.pk for p in [post, *others]]).exclude(
        status=ExperienceStatus.PUBLISHED
    )
    run.report.expect(
        not hidden.exists(), "no post was hidden by new accounts' reports"
    )


# --- 2. A stolen member session ---------------------------------------------------


def stolen_session(run: Run) -> None:
    from allauth.account.models import EmailAddress

    run.report.section("2. Taking an account over with a stolen session")
    owner = member("abuse-owner", pseudonym="Session Owner")
    owner_browser = run.browser()
    run.member_login(owner_browser, owner.email, PASSWORD)
    thief = run.browser()
    thief.steal_session_from(owner_browser)
    mails_before = run.mails_to(owner.email)
    tried = {
        "add an address": thief.post(
            "/accounts/email/",
            {"email": "thief@example.net", "action_add": ""},
        ),
        "change the password": thief.post(
            "/accounts/password/change/",
            {
                "oldpassword": "a guess",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        ),
        "download the data": thief.get("/me/export/"),
        "delete the account": thief.post(
            "/me/delete-account/", {"confirm": "on", "password": ""}
        ),
    }
    for what, page in tried.items():
        run.report.line(f"{what}: {page.status} {page.location or ''}".rstrip())
    owner.refresh_from_db()
    addresses = sorted(
        EmailAddress.objects.filter(user=owner).values_list("email", flat=True)
    )
    run.report.expect(
        addresses == [owner.email],
        f"the account's addresses are unchanged: {addresses}",
    )
    run.report.expect(owner.check_password(PASSWORD), "the password is unchanged")
    run.report.expect(
        owner.is_active and type(owner).objects.filter(pk=owner.pk).exists(),
        "the account still exists",
    )
    export = tried["download the data"]
    run.report.expect(
        export.status in {301, 302, 303} and "reauthenticate" in export.location,
        "the data export asks for the password again first",
    )

    # The owner, with the password, may change the address, and the old
    # address is told.
    page = owner_browser.post(
        "/accounts/reauthenticate/?next=/accounts/email/", {"password": PASSWORD}
    )
    page = owner_browser.post(
        "/accounts/email/", {"email": "owner-new@example.net", "action_add": ""}
    )
    run.report.line(
        f"the owner, after typing the password, adds an address: {page.status}"
    )
    time.sleep(0.5)
    run.report.expect(
        EmailAddress.objects.filter(user=owner, email="owner-new@example.net").exists(),
        "the owner can still add an address after typing the password",
    )
    told = run.mails_to(owner.email) - mails_before
    run.report.expect(told >= 1, f"the owner's address was told ({told} mail)")


# --- 3. Impersonating sign-ups ----------------------------------------------------


def lookalikes(name: str) -> list[str]:
    """Spellings that look like `name`: letters from other scripts, full-width
    forms, an invisible character, a filler, a title, other separators."""
    swapped = "".join(LOOKALIKES.get(ch, ch) for ch in name)
    first = next((i for i, ch in enumerate(name) if ch in LOOKALIKES), None)
    one = (
        name[:first] + LOOKALIKES[name[first]] + name[first + 1 :]
        if first is not None
        else name
    )
    wide = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in name)
    variants = [
        swapped,
        one,
        wide,
        name[:2] + "\u200b" + name[2:],
        name + "\u3164",
        f"Dr {name}",
        name.replace(" ", "_"),
        name.replace(" ", "."),
        name.upper(),
    ]
    return [v for v in dict.fromkeys(variants) if v]


def impersonation(run: Run) -> None:
    from django.contrib.auth import get_user_model

    from answers.models import Reviewer
    from community.models import Member

    run.report.section("3. Sign-ups posing as reviewers, staff, the site and members")
    # The issue's "MinaW" is a demo member; made here when the demo has none.
    if not Member.objects.filter(pseudonym__iexact="MinaW").exists():
        member("abuse-minaw", pseudonym="MinaW")
    member_names = set(
        Member.objects.exclude(user__username__startswith="abuse-")
        .exclude(pseudonym="MinaW")
        .values_list("pseudonym", flat=True)[:20]
    ) | {"MinaW"}
    staff_names = {
        name
        for user in get_user_model().objects.filter(is_staff=True)
        for name in (user.get_full_name(), user.username)
        if name.strip()
    }
    reviewer_names = set(Reviewer.objects.values_list("display_name", flat=True))
    generated = [
        v
        for name in sorted(staff_names | reviewer_names | member_names)
        for v in lookalikes(name)
    ]
    names = ISSUE_NAMES + generated
    accepted, messages = [], set()
    before = Member.objects.count()
    for n, name in enumerate(names):
        browser = run.browser(next(run.more_addresses))
        page = browser.post(
            "/accounts/signup/",
            {
                "email": f"pose{n}@example.net",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "pseudonym": name,
                "country": "",
                "consent": "on",
            },
        )
        if page.status in {301, 302, 303}:
            accepted.append(name)
        else:
            messages.add(_field_error(page.text))
    made = Member.objects.count() - before
    run.report.line(
        f"tried {len(names)} names: the issue's {len(ISSUE_NAMES)}, and "
        f"{len(generated)} look-alikes of {len(staff_names)} staff, "
        f"{len(reviewer_names)} reviewer and {len(member_names)} member names"
    )
    shown = ", ".join(ascii(name) for name in accepted[:10])
    run.report.expect(
        not accepted and made == 0,
        f"every one refused, no member made ({made}); accepted: [{shown}]",
    )
    run.report.line(f"the refusals said: {sorted(messages)}")
    control = run.browser(next(run.more_addresses)).post(
        "/accounts/signup/",
        {
            "email": "honest@example.net",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "pseudonym": "Honest Newcomer",
            "country": "",
            "consent": "on",
        },
    )
    run.report.expect(
        control.status in {301, 302, 303},
        f"a name like no other is accepted (control: {control.status})",
    )


def _field_error(html: str) -> str:
    """The text of the first error shown next to a field, if any."""
    found = re.search(
        r'class="[^"]*(?:invalid-feedback|errorlist)[^"]*"[^>]*>(.*?)</', html, re.S
    )
    text = re.sub(r"<[^>]+>", " ", found.group(1)) if found else "(no field error)"
    return unicodedata.normalize("NFKC", " ".join(text.split()))[:160]


# --- 4. A staff password without the second factor -------------------------------


def staff_without_second_factor(run: Run) -> None:
    from devdata.personas import make_user

    run.report.section("4. A staff password without the second factor")
    staff = make_user("abuse-writer", group="Writer", password=PASSWORD)
    browser = run.browser()
    login = browser.post(
        "/admin/login/?next=/admin/",
        {"username": staff.username, "password": PASSWORD, "next": "/admin/"},
    )
    run.report.line(f"password step: {login.status} → {login.location}")
    pages = {
        "/admin/": browser.get("/admin/"),
        "/accounts/password/change/": browser.get("/accounts/password/change/"),
        "/accounts/email/": browser.get("/accounts/email/"),
    }
    for path, page in pages.items():
        run.report.line(f"{path}: {page.status} → {page.location}")
    run.report.expect(
        all(page.status != 200 for page in pages.values()),
        "no admin or account page opens before the second factor",
    )
    browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    browser.post("/accounts/email/", {"email": "planted@example.net", "action_add": ""})
    staff.refresh_from_db()
    from allauth.account.models import EmailAddress

    run.report.expect(
        staff.check_password(PASSWORD)
        and not EmailAddress.objects.filter(email="planted@example.net").exists(),
        "the password is unchanged and no recovery address was planted",
    )


# --- 5. Demo accounts with DEBUG off ---------------------------------------------


def demo_accounts(run: Run, env: dict) -> None:
    from django.contrib.auth import get_user_model

    from devdata.demo import DEMO_PASSWORD

    run.report.section("5. Demo accounts with DEBUG off")
    from diseasemaps.lib.demo_accounts import DEMO_GROUP

    users = get_user_model().objects.filter(groups__name=DEMO_GROUP)
    opened = []
    tried = 0
    for user in users.order_by("-is_staff", "pk")[:12]:
        browser = run.browser()
        tried += 1
        if user.is_staff:
            page = browser.post(
                "/admin/login/", {"username": user.username, "password": DEMO_PASSWORD}
            )
        else:
            page = run.member_login(browser, user.email, DEMO_PASSWORD)
        if (
            browser.cookie("sessionid")
            and page.status in {301, 302, 303}
            and "login" not in page.location
        ):
            opened.append(user.username)
    run.report.expect(
        tried > 0 and not opened,
        f"none of {tried} demo accounts logs in with the published password "
        f"(opened: {opened})",
    )
    output = manage(env, "check", "--deploy", check=False)
    run.report.expect(
        "demo" in output.lower() and "error" in output.lower(),
        "`check --deploy` fails while demo accounts exist: "
        + next(
            (line for line in output.splitlines() if "demo" in line.lower()),
            output[:120],
        ),
    )


# --- 6. Differencing the community map -------------------------------------------


def map_differencing(run: Run) -> None:
    from answers.models import Condition
    from community.models import MemberCondition

    run.report.section("6. Differencing the community map")
    condition = Condition.objects.published().order_by("-name").first()
    people = []
    for n in range(4):
        user = member(
            f"abuse-iceland-{n}",
            pseudonym=f"Northern {n}",
            country="IS",
            counted_in_map=True,
        )
        MemberCondition.objects.create(member=user.member, condition=condition)
        people.append(user)
    mover = member(
        "abuse-mover", pseudonym="Moving Member", country="NO", counted_in_map=True
    )
    MemberCondition.objects.create(member=mover.member, condition=condition)
    before = run.browser().get(condition.get_absolute_url()).text
    browser = run.browser()
    run.member_login(browser, mover.email, PASSWORD)
    page = browser.post(
        "/me/profile/", {"country": "IS", "counted_in_map": "on"}, form="/me/"
    )
    mover.member.refresh_from_db()
    run.report.line(
        f"4 members counted in Iceland; a fifth account moved there through "
        f"/me/: {page.status}, country now {mover.member.country.code}"
    )
    after = run.browser().get(condition.get_absolute_url()).text
    run.report.expect(
        mover.member.country == "IS" and "Iceland" not in before,
        "the move went through, and Iceland was not named before it",
    )
    run.report.expect(
        "Iceland" not in after,
        "moving one account does not make the group of four appear on the map",
    )


# --- 7. Keeping people out --------------------------------------------------------


def lockouts(run: Run) -> None:
    from devdata.personas import make_user

    run.report.section("7. Keeping a member or a staff member out")
    target = member("abuse-lockout", pseudonym="Locked Target")
    stranger = run.browser()
    for _ in range(30):
        run.member_login(stranger, target.email, "wrong password, again")
    own = run.browser()
    mails_before = run.mails_to(target.email)
    page = run.member_login(own, target.email, PASSWORD)
    run.report.line(
        f"a stranger failed the member's password 30 times; the member then "
        f"logs in from their own address: {page.status} → {page.location}"
    )
    if "/login/code/" in page.location:
        # The challenge instead of a lock: a code mailed to the member.
        time.sleep(0.5)
        mail = [
            text for recipients, text in run.sink.messages if target.email in recipients
        ][mails_before:]
        code = re.search(
            r"^([A-Z0-9]{3,6}(?:-[A-Z0-9]{3,6}){0,2})\r?$", "".join(mail[-1:]), re.M
        )
        run.report.line(
            f"asked for the code mailed to the member: {len(mail)} mail, "
            f"code {'found' if code else 'not found'}"
        )
        page = own.post(page.location, {"code": code.group(1) if code else ""})
        run.report.line(f"the member types the code: {page.status} → {page.location}")
    run.report.expect(
        page.status in {301, 302, 303} and "login" not in page.location,
        "the member still gets in from their own address",
    )

    staff = make_user("abuse-staff-locked", group="Writer", password=PASSWORD)
    statuses = []
    for n in range(40):
        browser = run.browser(next(run.more_addresses))
        page = browser.post(
            "/admin/login/", {"username": staff.username, "password": f"guess {n}"}
        )
        statuses.append(page.status)
    refused = statuses.count(429)
    first = statuses.index(429) if refused else None
    run.report.line(
        f"one staff username guessed from 40 addresses, one try each: "
        f"{statuses.count(200)} answered with the form, {refused} refused (429) "
        f"from try {first + 1 if first is not None else '-'} on"
    )
    run.report.expect(
        first is not None and statuses[first:] == [429] * (40 - first),
        "guessing one staff username from many addresses is cut off and stays so",
    )


def main() -> int:
    report = Report()
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        site = start(
            stack, report, prefix="dm-abuse-", extra_env={"BEHIND_PROXY": "true"}
        )
        report.line(f"gunicorn on {site.web.base}, DEBUG off, behind a (played) proxy")
        run = Run(report, site.web.base, site.sink)
        report_flooding(run)
        stolen_session(run)
        impersonation(run)
        staff_without_second_factor(run)
        demo_accounts(run, site.env)
        map_differencing(run)
        lockouts(run)
    failed = report.failed
    report.section(
        f"{len(report.checks) - len(failed)} of {len(report.checks)} held "
        f"in {time.monotonic() - began:.0f} s"
    )
    for text in failed:
        report.line(f"FAILED: {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

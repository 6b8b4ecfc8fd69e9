"""Named personas and small helpers shared by the test suites.

Personas: a writer (Wendy), two medical reviewers (Dr Rita Osei, haematology;
Dr Sam Lindqvist, neurology), a moderator (Mo), a site admin (Ada), two members
(Mina, Omar) and, implicitly, the anonymous visitor (a client without login).

Staff personas have a confirmed TOTP device, as every staff account must. The
`Client` here logs staff in the way the admin's two steps end (password, then
a code: the session is verified just now, through two_factor.mark_verified);
the steps themselves are tested in diseasemaps/tests/test_staff_two_factor.py
(and the recovery-code, passkey and change tests beside it) with Django's
plain client.
"""

import importlib
import queue
import socket
import socketserver
import threading
from collections.abc import Callable
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connections
from django.http import HttpRequest
from django.test import Client as DjangoClient
from django.test import TestCase
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers import services
from answers.models import (
    AnswerRevision,
    Concept,
    Condition,
    ConditionCode,
    CriteriaGroup,
    CriteriaSet,
    Question,
    Reference,
    Reviewer,
)
from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP
from answers.terminology.codes import check_code
from devdata.terminology import load_sample

PASSWORD = "a long test password 42"

# Figures the suite reports at the end of a run (conftest prints them): how
# many matrix cells, payloads, attempts... were actually tried.
FIGURES: dict[str, int | str] = {}


def record_figure(name: str, amount: int = 1) -> None:
    """Add `amount` to a counted figure."""
    FIGURES[name] = int(FIGURES.get(name, 0)) + amount


def state_figure(name: str, text: str) -> None:
    """A figure described in words (e.g. the size of a data file)."""
    FIGURES[name] = text


# The hostile-input, fuzzing and privacy tests' name for it.
report_figure = state_figure


GOOD_SHORT_ANSWER = (
    "No. This condition is not an infection, so you cannot catch it from someone "
    "or pass it on. It starts inside the body."
)
GOOD_BODY = """## What causes it?

It starts when a small group of cells in the body does not work as it should.

## Is it safe to hug and care for someone with it?

Yes. Touch, shared meals and close care are all safe:

- hugging and kissing
- sharing a home
"""


def check_deferred_constraints(alias: str = "default") -> None:
    """On PostgreSQL, check now the foreign keys of the rows this transaction
    wrote so far (Django makes them DEFERRABLE INITIALLY DEFERRED).

    Django's TestCase checks them at the end of every test, inside the test's
    savepoint; rolling the savepoint back marks every check as not done again,
    so each test re-checked every row the class's setUpTestData wrote: ten
    seconds a test after the terminology catalogue (600,000 checks). Checked
    once where the shared data is written, they are done for good, and each
    test's own check covers only its own writes."""
    database = connections[alias]
    if database.vendor == "postgresql" and not database.needs_rollback:
        database.check_constraints()


def ensure_roles() -> None:
    """The editorial groups, as the data migration creates them.

    Transactional tests (live server, threads) flush the database afterwards,
    which removes rows that migrations created; personas recreate them.
    """
    roles = importlib.import_module("answers.migrations.0002_roles")
    criteria = importlib.import_module(
        "answers.migrations.0011_criteria_sets_from_lists"
    )
    moderation = importlib.import_module("community.migrations.0002_moderator_role")
    review = importlib.import_module("answers.migrations.0013_condition_review")
    catalogue = importlib.import_module("answers.migrations.0014_terminology_catalogue")
    feedback = importlib.import_module("answers.migrations.0016_reader_feedback")
    crisis = importlib.import_module("answers.migrations.0017_ha_crisis_contacts")
    for name, codenames in roles.GROUPS.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            if name in criteria.EDITING_GROUPS:
                codenames = [*codenames, *criteria.CRITERIA_PERMISSIONS]
            codenames = [
                *codenames,
                *review.ROLES.get(name, []),
                *catalogue.ROLES.get(name, []),
                *feedback.ROLES.get(name, []),
                *crisis.ROLES.get(name, []),
            ]
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label="answers", codename__in=codenames
                )
            )
            if name == MODERATOR_GROUP:
                group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label="community",
                        codename__in=moderation.MODERATOR,
                    )
                )


def make_user(
    username: str,
    *,
    group: str | None = None,
    staff: bool = True,
    two_factor: bool = True,
    password: str | None = PASSWORD,
    **extra,
):
    """A user; staff get a confirmed TOTP device unless `two_factor=False`.
    password=None: no login, and none of the half second that hashing costs
    (for crowds of users in the concurrency tests)."""
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=password,
        is_staff=staff,
        **extra,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    if staff and two_factor:
        TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)
    return user


def totp_code(owner, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for a device, or for a user's
    (newest) device; or `steps_ahead` 30-second steps later (a code is
    accepted once, so a second login in the same half-minute takes the next)."""
    if isinstance(owner, TOTPDevice):
        device = owner
    else:
        device = TOTPDevice.objects.filter(user=owner).latest("pk")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def verify_session(client: DjangoClient, user) -> None:
    """Mark the client's logged-in session as having passed the second factor
    just now, as the admin's code page does (two_factor.mark_verified: django-
    otp's own `login`, the time of the check, the staff idle clock)."""
    from diseasemaps.lib import two_factor

    request = HttpRequest()
    request.session = client.session
    request.user = user
    two_factor.mark_verified(request, two_factor.ways_in(user)[0])
    request.session.save()


class Client(DjangoClient):
    """Django's test client; `force_login` of a staff user also completes the
    second factor, as a staff login through the admin ends."""

    def force_login(self, user, backend=None) -> None:
        from diseasemaps.lib import two_factor

        super().force_login(user, backend)
        if user.is_staff and two_factor.ways_in(user):
            verify_session(self, user)


def make_reviewer(user, **overrides) -> Reviewer:
    defaults = {
        "display_name": f"Dr {user.get_full_name() or user.username}",
        "slug": user.username,
        "credentials": "MD",
        "specialty": "Internal medicine",
        "registration_id": f"TEST-{user.pk}",
        "active": True,
    }
    return Reviewer.objects.create(user=user, **{**defaults, **overrides})


def make_member(username: str, *, pseudonym: str | None = None, **extra):
    """A member: a non-staff user with a profile, consent given, email verified."""
    from allauth.account.models import EmailAddress

    from community.services import create_member

    user = make_user(username, staff=False, **extra)
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    create_member(user=user, pseudonym=pseudonym or username.title(), consented=True)
    return user


def make_personas(target) -> None:
    """Set the personas as attributes of `target` (a test class or namespace)."""
    ensure_roles()
    target.writer = make_user(
        "wendy", group=WRITER_GROUP, first_name="Wendy", last_name="Walsh"
    )
    reviewers = [
        ("reviewer", "rita", "Rita", "Osei", "Dr Rita Osei", "MBChB, FRCP"),
        ("second_reviewer", "sam", "Sam", "Lindqvist", "Dr Sam Lindqvist", "MD, PhD"),
    ]
    profiles = [
        {
            "specialty": "Haematology",
            "disclosures": "Speaker fees from Example Pharma (2025).",
        },
        {"specialty": "Neurology"},
    ]
    for (name, username, first, last, shown, letters), profile in zip(
        reviewers, profiles, strict=True
    ):
        user = make_user(
            username, group=REVIEWER_GROUP, first_name=first, last_name=last
        )
        setattr(target, name, user)
        setattr(
            target,
            f"{name}_profile",
            make_reviewer(user, display_name=shown, credentials=letters, **profile),
        )
    target.moderator = make_user("mo", group=MODERATOR_GROUP, first_name="Mo")
    target.admin = make_user("ada", is_superuser=True, first_name="Ada")
    target.member = make_member("mina", pseudonym="SunnyMina")
    target.other_member = make_member("omar", pseudonym="Omar_R")


def make_crowd(prefix: str, size: int, *, group: str, reviewers: bool = False):
    """`size` staff users in `group` (with active Reviewer profiles if asked),
    without passwords: for the concurrency trials."""
    ensure_roles()
    users = [make_user(f"{prefix}{n}", group=group, password=None) for n in range(size)]
    if reviewers:
        for user in users:
            make_reviewer(user)
    return users


def make_condition(**overrides) -> Condition:
    n = Condition.objects.count() + 1
    defaults = {"name": f"Example syndrome {n}", "slug": f"example-syndrome-{n}"}
    return Condition.objects.create(**{**defaults, **overrides})


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_poems(**overrides) -> Condition:
    """POEMS syndrome, the condition most tests use: an acronym with its
    expansion and two other names, so search, JSON-LD and page headings all
    have something to show."""
    return make_condition(
        **{
            "name": "POEMS syndrome",
            "slug": "poems-syndrome",
            "acronym": "POEMS",
            "acronym_expansion": "Polyneuropathy, Organomegaly, Endocrinopathy, "
            "Monoclonal plasma cell disorder, Skin changes",
            "synonyms": "Crow–Fukase syndrome\nTakatsuki syndrome",
            **overrides,
        }
    )


# One group of a criteria set, as `add_criteria_set` takes them.
MAJOR_CRITERIA = {
    "category": "Major criteria",
    "count_rule": "Both are required",
    "items": "Polyneuropathy\nMonoclonal plasma cell disorder",
}


def add_criteria_set(
    condition: Condition,
    *,
    title: str = "",
    applies_to: str = "",
    rule: str = "Both major criteria are needed for the diagnosis.",
    source: str = "Dispenzieri A. 2021",
    groups: list[dict] | None = None,
    **fields,
) -> CriteriaSet:
    """A diagnostic criteria set with its groups (default: one group, the two
    major criteria), written directly as a fixture (no History, no pages).
    The title and applies-to name the condition unless given."""
    criteria_set = CriteriaSet.objects.create(
        condition=condition,
        title=title or f"Diagnostic criteria for {condition.name}",
        applies_to=applies_to or f"Adults with suspected {condition.name}",
        rule=rule,
        source=source,
        **fields,
    )
    for order, group in enumerate(groups or [MAJOR_CRITERIA], start=1):
        CriteriaGroup.objects.create(
            criteria_set=criteria_set, order=order, **{"count_rule": "", **group}
        )
    return criteria_set


def catalogue_concept(system: str, code: str) -> Concept:
    """A real concept, active in the current release of its system: the
    sample catalogue (devdata.terminology.load_sample) is loaded first unless
    a release of each source is already there."""
    load_sample()
    return check_code(system, code)


def add_code(condition: Condition, system: str, code: str) -> ConditionCode:
    """A code picked from the catalogue, written directly as a fixture."""
    return ConditionCode.objects.create(
        condition=condition, concept=catalogue_concept(system, code)
    )


def add_facts(condition: Condition, *, approve: bool = True, **criteria) -> Condition:
    """A real ORPHA code (ORPHA:2905, from the sample catalogue) and one
    diagnostic criteria set (`add_criteria_set`'s arguments); with `approve`,
    the facts approved so that pages show them."""
    add_code(condition, "ORPHA", "2905")
    add_criteria_set(condition, **criteria)
    if approve:
        approve_facts(condition)
    return condition


def approve_facts(
    condition: Condition, *, writer=None, reviewer=None, at: datetime | None = None
):
    """The condition's draft facts as they are now (rows written directly
    included), saved as a draft, submitted and approved through the services:
    by `writer` and `reviewer`, or by a writer and a reviewer of their own."""
    users = get_user_model().objects
    if writer is None:
        writer = (
            users.filter(username="facts-writer0").first()
            or (make_crowd("facts-writer", 1, group=WRITER_GROUP)[0])
        )
    if reviewer is None:
        reviewer = (
            users.filter(username="facts-reviewer0").first()
            or (
                make_crowd("facts-reviewer", 1, group=REVIEWER_GROUP, reviewers=True)[0]
            )
        )
    condition.refresh_from_db()
    services.save_draft(
        item=condition, user=writer, expected_version=condition.draft_version, at=at
    )
    services.submit_for_review(item=condition, user=writer, at=at)
    revision = services.approve(
        item=condition,
        user=reviewer,
        expected_version=condition.draft_version,
        coi_confirmed=True,
        at=at,
    )
    condition.refresh_from_db()
    return revision


def condition_form(condition: Condition, **fields: str) -> dict[str, str]:
    """What the admin's condition change form posts, with no codes (criteria
    sets have a page of their own): the condition's name and slug unless
    `fields` say otherwise, and the draft version it has now (the form's guard
    against overwriting a newer edit)."""
    version = (
        Condition.objects.filter(pk=condition.pk)
        .values_list("draft_version", flat=True)
        .first()
    )
    return {
        "name": condition.name,
        "slug": condition.slug,
        "expected_version": str(version or ""),
        "codes-TOTAL_FORMS": "0",
        "codes-INITIAL_FORMS": "0",
        **fields,
    }


def edit_condition_in_admin(client, user, condition: Condition, **fields: str):
    """Post the admin's condition change form as `user`, then log out again."""
    client.force_login(user)
    response = client.post(
        reverse("admin:answers_condition_change", args=[condition.pk]),
        condition_form(condition, **fields),
    )
    client.logout()
    return response


def draft(
    writer,
    condition: Condition | None = None,
    *,
    references: list[dict] | None = None,
    at: datetime | None = None,
    **fields,
) -> Question:
    """A new question with a complete draft answer, saved through the service."""
    condition = condition or make_condition()
    n = Question.objects.count() + 1
    values = {
        "text": f"Is example syndrome contagious? ({n})",
        "slug": f"question-{n}",
        "short_answer": GOOD_SHORT_ANSWER,
        "body": GOOD_BODY,
        **fields,
    }
    if references is None:
        references = [{"citation": "Example A. A review. J Examples. 2024;1:1-9."}]
    question = Question(condition=condition, **values)
    return services.save_draft(
        item=question,
        user=writer,
        expected_version=None,
        save_related=lambda: [
            Reference.objects.create(question=question, order=i, **ref)
            for i, ref in enumerate(references, start=1)
        ],
        at=at,
    )


def edit(question: Question, user, **changes) -> Question:
    """Change draft fields as an editor would, through the service."""
    question.refresh_from_db()
    for field, value in changes.items():
        setattr(question, field, value)
    return services.save_draft(
        item=question, user=user, expected_version=question.draft_version
    )


def publish(
    question: Question, *, writer, reviewer, at: datetime | None = None
) -> AnswerRevision:
    """Submit as `writer` and approve as `reviewer`."""
    services.submit_for_review(item=question, user=writer, at=at)
    return services.approve(
        item=question,
        user=reviewer,
        expected_version=question.draft_version,
        coi_confirmed=True,
        at=at,
    )


def published_condition() -> Condition:
    """A condition with one live answer, so members can post about it."""
    (writer,) = make_crowd("condition-writer", 1, group=WRITER_GROUP)
    (reviewer,) = make_crowd(
        "condition-reviewer", 1, group=REVIEWER_GROUP, reviewers=True
    )
    return publish(draft(writer), writer=writer, reviewer=reviewer).question.condition


class PersonasTestCase(TestCase):
    client_class = Client

    @classmethod
    def setUpTestData(cls) -> None:
        make_personas(cls)


class Crowd:
    """`size` threads, each with its own database connection, that start one
    action each at the same moment (a barrier), trial after trial.

    The threads and their connections live as long as the crowd, so a trial
    measures the race, not the cost of connecting. Use it as a context manager.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._barrier = threading.Barrier(size)
        self._inboxes: list[queue.Queue] = [queue.Queue() for _ in range(size)]
        self._outbox: queue.Queue = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, args=(i,), daemon=True)
            for i in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self, index: int) -> None:
        try:
            while (action := self._inboxes[index].get()) is not None:
                try:
                    self._barrier.wait(timeout=30)
                    outcome = action()
                except Exception as exc:  # the outcome under test
                    outcome = exc
                self._outbox.put((index, outcome))
        finally:
            connections.close_all()

    def run(self, actions: list[Callable[[], object]]) -> list[object]:
        """Each action's result, or the exception it raised, in order."""
        if len(actions) != self.size:
            raise ValueError(f"A crowd of {self.size} needs {self.size} actions.")
        for inbox, action in zip(self._inboxes, actions, strict=True):
            inbox.put(action)
        outcomes: list[object] = [None] * self.size
        for _ in range(self.size):
            index, outcome = self._outbox.get(timeout=120)
            outcomes[index] = outcome
        return outcomes

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join(timeout=30)

    def __enter__(self) -> "Crowd":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _SinkServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # restarted on the same port
    daemon_threads = True


class SmtpSink:
    """A mail server on loopback that accepts every message and keeps it, so
    tests and `make faults` exercise Django's real SMTP backend. Start and
    stop it to play a mail server going down and coming back. Addresses
    starting with "refused" are refused, as an unknown mailbox would be."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.messages: list[tuple[list[str], str]] = []  # (recipients, data)
        self._server: socketserver.ThreadingTCPServer | None = None

    def start(self) -> "SmtpSink":
        sink = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                recipients: list[str] = []
                self.wfile.write(b"220 sink ESMTP\r\n")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = b""
                        while (chunk := self.rfile.readline()) not in {b".\r\n", b""}:
                            data += chunk
                        sink.messages.append((recipients, data.decode()))
                        recipients = []
                        reply = b"250 queued"
                    elif verb == b"RCPT":
                        address = line.split(b":", 1)[1].strip(b" <>\r\n").decode()
                        if address.startswith("refused"):
                            reply = b"550 no such mailbox"
                        else:
                            recipients.append(address)
                            reply = b"250 ok"
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # EHLO, HELO, MAIL, RSET, NOOP
                        reply = b"250 ok"
                    self.wfile.write(reply + b"\r\n")

        self._server = _SinkServer(("127.0.0.1", self.port), Session)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def make_crisis_contact(writer, **fields):
    """A crisis contact drafted by `writer` through the service (not approved)."""
    from answers import crisis
    from answers.models import CrisisContact

    defaults = {
        "country": "GB",
        "service": "Samaritans",
        "phone": "116 123",
        "hours": "24 hours, every day",
        "source_url": "https://www.samaritans.org/how-we-can-help/contact-samaritan/",
        "last_checked": date(2026, 11, 1),
    }
    return crisis.save_contact(
        user=writer, contact=CrisisContact(**{**defaults, **fields})
    )


def approve_crisis_contact(contact, reviewer):
    """Approve the contact's current version as `reviewer`."""
    from answers import crisis

    contact.refresh_from_db()
    return crisis.approve_contact(
        user=reviewer, contact=contact, expected_version=contact.draft_version
    )

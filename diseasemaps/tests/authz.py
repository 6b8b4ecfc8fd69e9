"""Machinery for the authorization matrix (authz_matrix.yaml): reading the data
file, the world its rows act on, a digest of the database, and what each
outcome means. The tests themselves are in test_authorization_matrix.py.
"""

import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlparse

import reversion
import yaml
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from reversion.models import Version

from answers import feedback as feedback_services
from answers import services
from answers.models import (
    Question,
    Reviewer,
    TerminologyRelease,
    TerminologySource,
)
from answers.terminology.codes import check_code
from community import services as community_services
from community.models import Experience, Member, ModerationEvent, Report
from community.services import create_member
from community.tests.helpers import STORY, share, share_published
from devdata.personas import (
    Client,
    add_criteria_set,
    approve_crisis_contact,
    approve_facts,
    draft,
    make_condition,
    make_crisis_contact,
    make_member,
    make_personas,
    make_reviewer,
    publish,
)
from devdata.terminology import load_sample
from diseasemaps.lib import ratelimit
from outbox.models import OutboundEmail

MATRIX_FILE = Path(__file__).with_name("authz_matrix.yaml")

# --- The data file -------------------------------------------------------------

VIEW_OUTCOMES = {"ok", "read", "redirect", "login", "400", "403", "404", "405", "410"}
SERVICE_OUTCOMES = {"ok", "read", "refused"}


def load() -> dict:
    # libyaml's safe loader: the same data as yaml.safe_load, read in a tenth
    # of the time (each xdist worker reads the file as it collects the tests).
    return yaml.load(MATRIX_FILE.read_text(), Loader=yaml.CSafeLoader)


def expand(spec: dict, data: dict, where: str) -> dict[str, str]:
    """{role or group: outcome} → {role: outcome} for every role, exactly once.

    `everyone` names all roles, `others` those not named otherwise; a role
    named twice or not at all is an error in the data file.
    """
    roles = data["roles"]
    groups = {**data["groups"], "everyone": roles}
    result: dict[str, str] = {}
    others = None
    for key, outcome in spec.items():
        outcome = str(outcome)
        if key == "others":
            others = outcome
            continue
        members = groups.get(key, [key])
        for role in members:
            if role not in roles:
                raise ValueError(f"{where}: unknown role or group {key!r}")
            if role in result:
                raise ValueError(f"{where}: {role} is given twice")
            result[role] = outcome
    if others is not None:
        for role in roles:
            result.setdefault(role, others)
    missing = [role for role in roles if role not in result]
    if missing:
        raise ValueError(f"{where}: no outcome for {', '.join(missing)}")
    return {role: result[role] for role in roles}


@dataclass
class Cell:
    action: str  # the row id, e.g. approve_others
    role: str
    method: str  # GET, POST or CALL (a service)
    outcome: str
    row: dict = field(repr=False)
    request: dict = field(repr=False)  # data, query for this method

    @property
    def id(self) -> str:
        return f"{self.role}-{self.method}"


ADMIN_KINDS = {
    # kind: (URL name suffix, needs the object)
    "changelist": ("changelist", False),
    "add": ("add", False),
    "change": ("change", True),
    "history": ("history", True),
    "delete": ("delete", True),
}


def admin_model_rows(data: dict) -> list[dict]:
    """The `admin_models` section as ordinary rows, one per model and URL."""
    rows = []
    for label, spec in data["admin_models"].items():
        app_label, model_name = label.split(".")
        for method in ("GET", "POST"):
            for kind, expect in spec.get(method, {}).items():
                if kind == "delete_selected":
                    name, needs_object = "changelist", False
                else:
                    name, needs_object = ADMIN_KINDS[kind]
                row = {
                    "id": f"admin_{app_label}_{model_name}_{kind}",
                    "url": f"admin:{app_label}_{model_name}_{name}",
                    "args": [spec["object"]] if needs_object else [],
                    "private": spec.get("private", []),
                }
                request = {"expect": expect}
                if method == "POST":
                    request["data"] = admin_post_data(kind, spec)
                row[method] = request
                rows.append(row)
    return rows


def admin_post_data(kind: str, spec: dict) -> dict:
    if kind == "delete":
        return {"post": "yes"}
    if kind == "delete_selected":
        return {
            "action": "delete_selected",
            "_selected_action": [f"{spec['object']}.pk"],
            "post": "yes",
        }
    # add and change: an empty form. Allowed roles get the form back with
    # errors and nothing saved; the point is who gets that far.
    return {}


def rows(data: dict) -> list[dict]:
    return [*data["actions"], *admin_model_rows(data)]


def cells(data: dict) -> list[Cell]:
    found = []
    for row in rows(data):
        methods = ["CALL"] if "service" in row else ["GET", "POST"]
        for method in methods:
            request = row.get(method)
            if request is None:
                continue
            if "covered_by" in request:
                continue
            expect = expand(request["expect"], data, f"{row['id']} {method}")
            allowed = SERVICE_OUTCOMES if method == "CALL" else VIEW_OUTCOMES
            for role, outcome in expect.items():
                if outcome not in allowed:
                    raise ValueError(f"{row['id']} {method}: bad outcome {outcome!r}")
                found.append(Cell(row["id"], role, method, outcome, row, request))
    return found


# --- The world -----------------------------------------------------------------


@dataclass
class World:
    """Primary keys of everything the rows act on; fetched fresh in each cell."""

    users: dict[str, int | None]
    objects: dict[str, tuple[type, int]]
    sessions: dict[str, str] = field(default_factory=dict)

    def user(self, role: str):
        pk = self.users[role]
        return AnonymousUser() if pk is None else get_user_model().objects.get(pk=pk)

    def get(self, name: str):
        if name in self.users:
            return self.user(name)
        model, pk = self.objects[name]
        return model._default_manager.get(pk=pk)


def build_world() -> World:
    """Nine roles and the content they act on. Ada (admin) is a superuser who
    is also an active reviewer and a member; Mo (moderator) is also a member:
    so "own work" and "own post" exist for them too."""
    p = SimpleNamespace()
    make_personas(p)
    lena = make_member("lena", pseudonym="Lena_L")
    make_reviewer(p.admin, display_name="Dr Ada Admin", slug="ada-admin")
    for user in (p.moderator, p.admin):
        create_member(user=user, pseudonym=f"{user.username}-member", consented=True)

    # The catalogue, as a release of each source (real concepts, few of them).
    load_sample()
    poems = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    with reversion.create_revision():
        poems.save()
    with reversion.create_revision():
        p.reviewer_profile.save()

    live = draft(p.writer, poems, slug="is-it-contagious")
    publish(live, writer=p.writer, reviewer=p.reviewer)
    draft_q = draft(p.writer, poems, slug="what-causes-it")
    in_review = {}
    for key, author in (
        ("in_review_by_writer", p.writer),
        ("in_review_by_reviewer", p.reviewer),
        ("in_review_by_admin", p.admin),
    ):
        question = draft(author, poems, slug=key.replace("_", "-"))
        services.submit_for_review(item=question, user=author)
        in_review[key] = question
    unpublished = draft(p.writer, poems, slug="is-it-inherited")
    publish(unpublished, writer=p.writer, reviewer=p.reviewer)
    services.unpublish(item=unpublished, user=p.reviewer, reason="Outdated.")
    facts = build_facts(p)
    retired = build_retired_reviewer()
    reports = build_feedback(live)
    crisis_contacts = build_crisis_contacts(p)

    pending_by_author = share(p.member, poems, body=STORY + " Still waiting.")
    published_by_author = share_published(p.member, poems, moderator=p.moderator)
    community_services.edit_experience(
        user=p.member,
        experience=published_by_author,
        body=published_by_author.body + " An edit waiting for a moderator.",
    )
    report = community_services.report_experience(
        user=p.other_member,
        experience=published_by_author,
        reason="Reads like an advert.",
    )
    Experience.objects.filter(pk=published_by_author.pk).update(needs_review=True)
    published_by_other = share_published(p.other_member, poems, moderator=p.moderator)
    # Hidden by reports, as report_experience leaves it (the reporters with a
    # record it takes are tested in community/tests): its author may ask for
    # a review.
    hidden_by_author = share_published(
        p.member, poems, body=STORY + " Hidden by reports.", moderator=p.moderator
    )
    Experience.objects.filter(pk=hidden_by_author.pk).update(status="hidden")
    ModerationEvent.objects.create(
        experience=hidden_by_author,
        experience_ref=hidden_by_author.pk,
        action=ModerationEvent.Action.AUTO_HIDDEN,
        actor_name="Automatic",
    )
    pending_by_moderator = share(p.moderator, poems)
    pending_by_admin = share(p.admin, poems)
    # Omar's second post, for members only (issue 18): members read and
    # report it, nobody else even knows it exists.
    members_only_by_other = share_published(
        p.other_member,
        poems,
        body=STORY + " Shared with members only.",
        moderator=p.moderator,
        audience="members",
    )
    # Mina writes more posts here than a member may in an hour: the world's
    # own counts start again (the caller restores the prefix, and each cell
    # counts from zero anyway).
    ratelimit.PREFIX = f"ratelimit-world-{uuid.uuid4().hex}"
    # Sent by a moderator to a medical reviewer (issue 18): Mina's, and Ada's
    # (an active reviewer, who may not decide on her own post).
    with_reviewer = {}
    for key, author in (
        ("with_reviewer_by_author", p.member),
        ("with_reviewer_by_admin", p.admin),
    ):
        post = share(author, poems, body=STORY + " Is it safe to stop?")
        community_services.send_to_medical_reviewer(
            user=p.moderator, experience=post, question="Safe to publish?"
        )
        with_reviewer[key] = post
    mutes_and_member_reports = build_mutes_and_member_reports(p, lena)
    # A moderator removed a detail; it waits for its author's answer.
    redacted_by_author = share(p.member, poems, body=STORY + " At St Brigid's.")
    community_services.redact_experience(
        user=p.moderator,
        experience=redacted_by_author,
        body=STORY,
        reason="It named your hospital.",
        seen=redacted_by_author.text_fingerprint,
    )

    unverified_email = EmailAddress.objects.create(
        user=lena, email="lena.second@example.org", verified=False, primary=False
    )
    now = timezone.now()
    attempt = AccessAttempt.objects.create(
        username="someone@example.org",
        ip_address="10.0.0.9",
        user_agent="test",
        failures_since_start=1,
        attempt_time=now,
    )
    access_log = AccessLog.objects.create(
        username="someone@example.org", ip_address="10.0.0.9", attempt_time=now
    )
    failure_log = AccessFailureLog.objects.create(
        username="someone@example.org",
        ip_address="10.0.0.9",
        attempt_time=now,
        locked_out=False,
    )

    users = {
        "anonymous": None,
        "member": lena.pk,
        "author": p.member.pk,
        "other_member": p.other_member.pk,
        "moderator": p.moderator.pk,
        "writer": p.writer.pk,
        "reviewer": p.reviewer.pk,
        "other_reviewer": p.second_reviewer.pk,
        "admin": p.admin.pk,
    }
    things = {
        "poems": poems,
        "live": live,
        "draft": draft_q,
        **in_review,
        "unpublished": unpublished,
        **facts,
        **retired,
        **reports,
        **crisis_contacts,
        "revision": live.revisions.get(number=1),
        "review_event": live.events.order_by("pk").first(),
        "draft_version": Version.objects.get_for_object(draft_q).first(),
        "condition_version": Version.objects.get_for_object(poems).first(),
        "reviewer_version": Version.objects.get_for_object(p.reviewer_profile).first(),
        "rita_profile": Reviewer.objects.get(user=p.reviewer),
        # Cystic fibrosis: no condition of the world has it yet.
        "concept": check_code("ORPHA", "586"),
        "orphanet_source": TerminologySource.objects.get(system="ORPHA"),
        "orphanet_release": TerminologyRelease.objects.get(
            source__system="ORPHA", is_current=True
        ),
        "pending_by_author": pending_by_author,
        "published_by_author": published_by_author,
        "published_by_other": published_by_other,
        "members_only_by_other": members_only_by_other,
        "hidden_by_author": hidden_by_author,
        "pending_by_moderator": pending_by_moderator,
        "pending_by_admin": pending_by_admin,
        **with_reviewer,
        "redacted_by_author": redacted_by_author,
        "report": report,
        "moderation_event": published_by_author.moderation_events.first(),
        "author_profile": Member.objects.get(user=p.member),
        "author_email": EmailAddress.objects.get(user=p.member),
        "unverified_email": unverified_email,
        "writer_group": Group.objects.get(name="Writer"),
        "writer_device": TOTPDevice.objects.get(user=p.writer),
        "question_type": ContentType.objects.get_for_model(Question),
        "access_attempt": attempt,
        "access_log": access_log,
        "access_failure_log": failure_log,
        # The approval above queued a notification to the writer.
        "outbound_email": OutboundEmail.objects.order_by("pk").first(),
        **mutes_and_member_reports,
    }
    objects = {name: (type(obj), obj.pk) for name, obj in things.items()}
    assert Report.objects.filter(pk=report.pk, resolved_at=None).exists()
    world = World(users=users, objects=objects)
    log_in_roles(world)
    return world


def build_mutes_and_member_reports(p: SimpleNamespace, lena) -> dict:
    """Issue 18: Omar muted Mina; Lena reported Omar (open); a member whose
    posts a moderator holds and whose posting is suspended (no role: the
    roles' own posting stays as the rows above expect)."""
    from community.services import member_reports, mutes

    mina = Member.objects.get(user=p.member)
    omar = Member.objects.get(user=p.other_member)
    mute = mutes.mute_member(user=p.other_member, member=mina)
    member_report = member_reports.report_member(
        user=lena, member=omar, category="spam", reason="Adverts in every post."
    )
    sanctioned = Member.objects.get(user=make_member("sanctioned"))
    member_reports.hold_member_posts(
        user=p.moderator, member=sanctioned, reason="Selling a cure."
    )
    member_reports.suspend_posting(
        user=p.moderator, member=sanctioned, reason="Selling a cure."
    )
    return {
        "other_member_profile": omar,
        "moderator_profile": Member.objects.get(user=p.moderator),
        "other_member_mute": mute,
        "member_report": member_report,
        "sanctioned_profile": sanctioned,
        "member_moderation_event": sanctioned.moderation_events.first(),
    }


def build_feedback(live) -> dict:
    """Readers' reports on the live answer: one that arrived after its
    approval, and one from the day before it (the live version fixed it)."""
    reader = {
        "user": AnonymousUser(),
        "question": live,
        "kind": "wrong",
        "section": "",
        "reply_to": "reader-feedback@example.org",
    }
    return {
        "open_feedback": feedback_services.receive_feedback(
            **reader, text="Readerwords: the age in the second paragraph is wrong."
        ),
        "fixed_feedback": feedback_services.receive_feedback(
            **reader,
            text="Readerwords: a link did not work.",
            at=live.live_revision.approved_at - timedelta(days=1),
        ),
    }


def build_crisis_contacts(p: SimpleNamespace) -> dict:
    """Crisis contacts (issue 18): drafts that Wendy, Rita and Ada each
    created, and a general one, live, that Wendy wrote and Rita approved."""
    contacts = {
        key: make_crisis_contact(author, service=service)
        for key, author, service in (
            ("crisis_by_writer", p.writer, "Draftline by Wendy"),
            ("crisis_by_reviewer", p.reviewer, "Draftline by Rita"),
            ("crisis_by_admin", p.admin, "Draftline by Ada"),
        )
    }
    live = make_crisis_contact(
        p.writer,
        country="",
        service="Approved Worldline",
        phone="",
        other_contact="https://findahelpline.com/",
    )
    approve_crisis_contact(live, p.reviewer)
    return {**contacts, "crisis_live": live}


def build_facts(p: SimpleNamespace) -> dict:
    """Condition facts, which have the answers' review workflow: facts that
    Wendy, Rita and Ada each wrote and submitted, and live facts with a
    diagnostic criteria set, written by Wendy and approved by Rita."""
    facts = {}
    for key, author, name in (
        ("facts_by_writer", p.writer, "Schnitzler syndrome"),
        ("facts_by_reviewer", p.reviewer, "TEMPI syndrome"),
        ("facts_by_admin", p.admin, "Erdheim-Chester disease"),
    ):
        condition = make_condition(name=name, slug=name.lower().replace(" ", "-"))
        services.save_draft(
            item=condition, user=author, expected_version=condition.draft_version
        )
        services.submit_for_review(item=condition, user=author)
        facts[key] = condition
    live = make_condition(name="Castleman disease", slug="castleman-disease")
    criteria_set = add_criteria_set(live)
    approve_facts(live, writer=p.writer, reviewer=p.reviewer)
    return {
        **facts,
        "facts_live": live,
        "facts_revision": live.revisions.get(number=1),
        "criteria_set": criteria_set,
        # Saved with the condition's draft (History follows its sets).
        "criteria_set_version": Version.objects.get_for_object(criteria_set).first(),
    }


def build_retired_reviewer() -> dict:
    """A reviewer profile a site admin deactivated. Its older, active version
    is still in History: restoring it anywhere but the reviewer's own admin
    (a site admin's) would put a clinician back on duty."""
    retired = Reviewer(
        display_name="Dr Former Reviewer",
        slug="former-reviewer",
        credentials="MD",
        specialty="Neurology",
        registration_id="TEST-FORMER",
        active=True,
    )
    with reversion.create_revision():
        retired.save()
    active_version = Version.objects.get_for_object(retired).get()
    retired.active = False
    with reversion.create_revision():
        retired.save()
    return {"retired_profile": retired, "retired_version": active_version}


# --- Values in the data file ---------------------------------------------------

REFERENCE = re.compile(r"^\$([a-z_]+)((?:\.[a-z_]+)*)$")


def resolve(value, world: World):
    """ "$name" is an object of the world (a role name: that user), and
    "$name.attr" one of its attributes; "$uuid" a fresh UUID; lists and dicts
    are resolved item by item; anything else is itself."""
    if isinstance(value, list):
        return [resolve(item, world) for item in value]
    if isinstance(value, dict):
        return {key: resolve(item, world) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        if value == "$uuid":
            return str(uuid.uuid4())
        match = REFERENCE.match(value)
        if match is None:
            raise ValueError(f"bad reference {value!r}")
        name, path = match.groups()
        obj = world.get(name)
        for attr in filter(None, path.split(".")):
            obj = getattr(obj, attr)
        return obj
    return value


def url_of(row: dict, request: dict, world: World) -> str:
    if "path" in row:
        url = row["path"]
    else:
        args = [getattr(a, "pk", a) for a in resolve(row.get("args", []), world)]
        url = reverse(row["url"], args=args)
    query = {
        key: getattr(value, "pk", value)
        for key, value in resolve(request.get("query", {}), world).items()
    }
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def form_data(request: dict, world: World) -> dict:
    data = resolve(request.get("data", {}), world)
    return {
        key: [getattr(v, "pk", v) for v in value]
        if isinstance(value, list)
        else getattr(value, "pk", value)
        for key, value in data.items()
    }


def log_in_roles(world: World) -> None:
    """One session per role, made once: staff through both factors (the
    personas' client verifies the session as the admin's code step does).
    Each cell's changes to it (a logout, say) are rolled back with the cell."""
    for role, pk in world.users.items():
        if pk is not None:
            client = Client()
            client.force_login(world.user(role))
            world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value


def client_for(role: str, world: World, *, after_password: bool = False) -> Client:
    """The role's session; with `after_password` (a row's `after_password:
    true`), a session of its own in which the password was typed a moment ago,
    as account changes ask (ACCOUNT_REAUTHENTICATION_TIMEOUT). Its own, not
    the shared one: a cached session would keep the record after the cell."""
    forget_cached_sessions(world)
    client = Client()
    if after_password and world.users.get(role) is not None:
        user = world.user(role)
        client.force_login(user)
        session = client.session
        session["account_authentication_methods"] = [
            {"method": "password", "at": time.time(), "reauthenticated": True}
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
    elif role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def forget_cached_sessions(world: World) -> None:
    """Each cell's changes to a role's session are rolled back with the cell,
    in the database; with Redis (`cached_db` sessions) the cache's copy would
    outlive it, and one cell's state (a passkey ceremony begun, say) would
    reach the next. Dropped, so every cell reads the session as the database
    has it."""
    engine = import_module(settings.SESSION_ENGINE)
    for key in world.sessions.values():
        cache_key = getattr(engine.SessionStore(session_key=key), "cache_key", None)
        if cache_key:
            caches[settings.SESSION_CACHE_ALIAS].delete(cache_key)


# --- The database, before and after --------------------------------------------

# Columns that change on every login, not by the action under test.
IGNORED_FIELDS = {"auth.user": {"last_login"}}
# Not part of the digest: sessions (each cell logs in first, which writes one),
# and pages rendered for anonymous readers and kept for the next one, with the
# stamps that lock them while they are stored (public/pages.py): a copy of
# what readers see, not content anyone changed.
IGNORED_MODELS = {"sessions.session", "answers.storedpage", "answers.pagestamp"}


def _digest_selects() -> list[tuple[str, str, str]]:
    """(table, primary key, SELECT of its columns) for every table."""
    selects = []
    quote = connection.ops.quote_name
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in IGNORED_MODELS or model._meta.proxy:
            continue
        ignored = IGNORED_FIELDS.get(label, set())
        columns = ", ".join(
            quote(f.column)
            for f in model._meta.concrete_fields
            if f.name not in ignored
        )
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        selects.append((table, pk, f"SELECT {columns} FROM {table}"))  # noqa: S608
    return selects


_SELECTS: list[tuple[str, str, str]] = []


def digest() -> str:
    """One hash over every row of every table the project and its apps own,
    except the login bookkeeping above. It runs twice per cell: on PostgreSQL
    the server hashes each table and one query returns them all; SQLite (in
    memory in tests) sends the rows."""
    if not _SELECTS:
        _SELECTS.extend(_digest_selects())
    h = hashlib.sha256()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Search sets planner options for the rest of its transaction, which
            # in a TestCase is the whole test: read every table the same way.
            cursor.execute("SET LOCAL enable_seqscan = on")
            cursor.execute(
                " UNION ALL ".join(
                    f"(SELECT '{table}', COUNT(*), "  # noqa: S608
                    f"md5(COALESCE(string_agg(x::text, '|' ORDER BY x.{pk}), '')) "
                    f"FROM ({select}) x)"
                    for table, pk, select in _SELECTS
                )
            )
            # Sorted: UNION ALL gives no order, and once big catalogue loads
            # earlier on this worker have left large (rolled-back) tables
            # behind, PostgreSQL runs the branches in parallel, in any order.
            h.update(repr(sorted(cursor.fetchall())).encode())
        else:
            for table, pk, select in _SELECTS:
                cursor.execute(f"{select} ORDER BY {pk}")
                h.update(table.encode())
                h.update(repr(cursor.fetchall()).encode())
    return h.hexdigest()


LOGIN_PATHS = {reverse("account_login"), reverse("admin:login")}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and (
        urlparse(response["Location"]).path in LOGIN_PATHS
    )

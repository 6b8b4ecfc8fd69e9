"""Who may do what, as data: authz_matrix.yaml holds one row per view, admin
page, admin action and service, and one column per role; each cell becomes a
test here (`test_approve_others[writer-POST]`).

Every cell is one request (or service call) by one role on one object of a
shared world, in a transaction rolled back afterwards. Denials must answer
their status (403 for a visible but forbidden action, 404 for what the role
may not see, a redirect to a login page for who must log in first) and leave
the database exactly as it was, row for row (authz.digest). Allowed POSTs and
service calls must change it. `private` texts (a member's email address, a
pending post) may only appear in the answers of the roles the row names.

test_every_url_is_in_the_matrix fails when a URL exists that no row covers,
and test_every_service_is_in_the_matrix when a service function does.
"""

import inspect
import json
import pkgutil
import uuid

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.contrib import admin
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from answers import crisis as answer_crisis
from answers import feedback as answer_feedback
from answers import services as answer_services
from answers.exceptions import NotAllowed as AnswersNotAllowed
from community import services as community_services
from community.exceptions import NotAllowed as CommunityNotAllowed
from community.services import member_reports, mutes
from devdata.personas import (
    check_deferred_constraints,
    record_figure,
    state_figure,
)
from diseasemaps.lib import ratelimit
from diseasemaps.tests import authz

DATA = authz.load()
CELLS = authz.cells(DATA)
REFUSALS = (AnswersNotAllowed, CommunityNotAllowed)
# Every module that holds service functions; community.services is a package
# (test_every_service_module_is_listed keeps this list complete).
SERVICE_MODULES = {
    "answers.services": answer_services,
    "answers.feedback": answer_feedback,
    "answers.crisis": answer_crisis,
    "community.services.members": community_services.members,
    "community.services.posts": community_services.posts,
    "community.services.moderation": community_services.moderation,
    "community.services.data_rights": community_services.data_rights,
    "community.services.safety": community_services.safety,
    "community.services.medical_review": community_services.medical_review,
    "community.services.mutes": mutes,
    "community.services.member_reports": member_reports,
    "community.services.redaction": community_services.redaction,
}


def _describe() -> None:
    methods = {"GET": 0, "POST": 0, "CALL": 0}
    for cell in CELLS:
        methods[cell.method] += 1
    actions = {cell.action for cell in CELLS}
    denials = sum(cell.outcome in {"login", "403", "404", "refused"} for cell in CELLS)
    state_figure(
        "authorization matrix",
        f"{len(CELLS)} cells: {len(DATA['roles'])} roles x {len(actions)} actions; "
        f"{methods['GET']} GET, {methods['POST']} POST, {methods['CALL']} service "
        f"calls; {denials} denials",
    )


_describe()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at
    the end; each cell runs in a savepoint inside it (pytest-django's db).
    The roles stay logged in for the whole module, however slow the machine:
    idle staff sessions have their own tests (test_staff_session_idle), and
    so does a stale second-factor check (test_staff_two_factor_changes)."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            STAFF_SESSION_IDLE_MINUTES=24 * 60, STAFF_TWO_FACTOR_RECENT_MINUTES=24 * 60
        ),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        # Rate limits counted from zero, even against a shared Redis (as the
        # conftest does for each test; this fixture runs before that one).
        patch.setattr(ratelimit, "PREFIX", f"ratelimit-world-{uuid.uuid4().hex}")
        # allauth's too: the password pages count per user id, which every
        # run's world reuses, in a Redis that outlives the run.
        token = uuid.uuid4().hex
        allauth_key = allauth_ratelimit.get_cache_key
        patch.setattr(
            allauth_ratelimit,
            "get_cache_key",
            lambda *args, **kwargs: f"{token}:{allauth_key(*args, **kwargs)}",
        )
        world = authz.build_world()
        # The world's foreign keys, checked once here rather than again at
        # the end of every cell (see check_deferred_constraints).
        check_deferred_constraints()
        yield world
        transaction.set_rollback(True)


def check_private(cell: authz.Cell, text: str, world: authz.World) -> None:
    """Private texts only in the answers of the roles allowed to see them; and
    there, when the role reads (a GET or a service), to show the check works."""
    for secret in cell.row.get("private", []):
        value = str(authz.resolve(secret["text"], world))
        shown_to = secret.get("shown_to", [])
        if cell.role not in shown_to:
            assert value not in text, f"{cell.role} must not see {secret['text']}"
        elif cell.method != "POST":
            assert value in text, f"{cell.role} should see {secret['text']}"


def run_view(cell: authz.Cell, world: authz.World) -> None:
    client = authz.client_for(
        cell.role, world, after_password=cell.row.get("after_password", False)
    )
    url = authz.url_of(cell.row, cell.request, world)
    before = authz.digest()
    if cell.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, authz.form_data(cell.request, world))
    changed = authz.digest() != before
    status = response.status_code
    where = f"{cell.role} {cell.method} {url} answered {status}"
    if status in (301, 302):
        where += f" to {response['Location']}"

    if cell.outcome == "ok":
        if cell.method == "GET":
            assert status == 200, where
        else:
            assert status in (200, 302), where
            assert not authz.is_login_redirect(response), where
            assert changed, f"{where}, but nothing changed"
    elif cell.outcome == "read":
        assert status == 200, where
    elif cell.outcome == "redirect":
        assert status == 302 and not authz.is_login_redirect(response), where
    elif cell.outcome == "login":
        assert authz.is_login_redirect(response), where
    else:
        assert status == int(cell.outcome), where
    may_write = cell.outcome == "ok" and (
        cell.method == "POST" or "writes_on_get" in cell.row
    )
    if cell.outcome == "redirect" and "writes_before_password" in cell.row:
        may_write = True
    if not may_write:
        assert not changed, f"{where}, and the database changed"
    if status == 200 and not getattr(response, "streaming", False):
        check_private(cell, response.content.decode(), world)


def run_service(cell: authz.Cell, world: authz.World) -> None:
    function = getattr(SERVICE_MODULES[cell.row["module"]], cell.row["service"])
    kwargs = authz.resolve(cell.request.get("kwargs", {}), world)
    user = world.user(cell.role)
    before = authz.digest()
    where = f"{cell.role} calling {cell.row['service']}"
    if cell.outcome == "refused":
        with pytest.raises(REFUSALS), transaction.atomic():
            function(user=user, **kwargs)
        assert authz.digest() == before, f"{where} was refused, but changed data"
        return
    result = function(user=user, **kwargs)
    changed = authz.digest() != before
    if cell.outcome == "ok":
        assert changed, f"{where}: nothing changed"
    else:
        assert not changed, f"{where}: it changed data"
    check_private(cell, json.dumps(result, default=str), world)


def _make_test(action: str, cells: list[authz.Cell]):
    @pytest.mark.django_db
    @pytest.mark.parametrize("cell", cells, ids=[c.id for c in cells])
    def test(cell: authz.Cell, world: authz.World) -> None:
        record_figure("authorization matrix: cells run")
        if cell.method == "CALL":
            run_service(cell, world)
        else:
            run_view(cell, world)

    test.__name__ = f"test_{action}"
    return test


_by_action: dict[str, list[authz.Cell]] = {}
for _cell in CELLS:
    _by_action.setdefault(_cell.action, []).append(_cell)
for _action, _cells in _by_action.items():
    globals()[f"test_{_action}"] = _make_test(_action, _cells)


# --- Nothing left out ----------------------------------------------------------


def _url_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _url_patterns(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            yield route, f"{namespace}{pattern.name}" if pattern.name else None


def uncovered_urls(data: dict) -> list[str]:
    rows = authz.rows(data)
    covered_names = {row["url"] for row in rows if "url" in row}
    covered_routes = {row["route"] for row in rows if "route" in row}
    exempt = data["exempt_urls"]
    missing = []
    for route, name in _url_patterns():
        if name is not None and (name in covered_names or name in exempt):
            continue
        if route in covered_routes or route in exempt:
            continue
        missing.append(name or route)
    return missing


def test_every_url_is_in_the_matrix():
    missing = uncovered_urls(DATA)
    assert not missing, "URLs the matrix does not cover:\n" + "\n".join(missing)
    for key, reason in DATA["exempt_urls"].items():
        assert reason and len(str(reason)) > 20, f"give a reason for exempting {key}"


def test_a_url_left_out_of_the_matrix_is_found():
    data = {
        **DATA,
        "actions": [r for r in DATA["actions"] if r.get("url") != "community:export"],
    }
    assert uncovered_urls(data) == ["community:export"]


def test_every_admin_model_and_action_is_in_the_matrix():
    registered = {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
    }
    assert set(registered) == set(DATA["admin_models"]), (
        "admin_models must list exactly the registered models"
    )
    actions = {
        row["POST"]["data"]["action"]
        for row in DATA["actions"]
        if isinstance(row.get("POST", {}).get("data"), dict)
        and "action" in row["POST"]["data"]
    }
    for label, model_admin in registered.items():
        for name in model_admin.actions or []:
            assert name in actions, f"admin action {label}.{name} is not in the matrix"


def uncovered_services(data: dict) -> list[str]:
    covered = {
        (row["module"], row["service"]) for row in data["actions"] if "service" in row
    }
    exempt = {
        (module, name)
        for module, names in data["exempt_services"].items()
        for name in names
    }
    missing = []
    for module_name, module in SERVICE_MODULES.items():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module_name or name.startswith("_"):
                continue
            if (module_name, name) not in covered | exempt:
                missing.append(f"{module_name}.{name}")
    return missing


def test_every_service_is_in_the_matrix():
    missing = uncovered_services(DATA)
    assert not missing, "Services the matrix does not cover:\n" + "\n".join(missing)
    for names in DATA["exempt_services"].values():
        for name, reason in names.items():
            assert reason and len(str(reason)) > 20, f"give a reason for {name}"


def test_every_service_module_is_listed():
    """A new module in community/services/, or a function written in the
    package itself, would otherwise escape the check above."""
    submodules = {
        f"{community_services.__name__}.{info.name}"
        for info in pkgutil.iter_modules(community_services.__path__)
    }
    defined_in = {
        function.__module__
        for _, function in inspect.getmembers(community_services, inspect.isfunction)
    }
    assert submodules | defined_in <= set(SERVICE_MODULES)


def test_a_service_left_out_of_the_matrix_is_found():
    data = {
        **DATA,
        "actions": [r for r in DATA["actions"] if r.get("service") != "unpublish"],
    }
    assert uncovered_services(data) == ["answers.services.unpublish"]

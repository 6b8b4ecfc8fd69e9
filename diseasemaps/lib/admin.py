"""Shared admin building blocks."""

from functools import lru_cache

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from diseasemaps.lib.errors import bad_request


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits by hand: audit trails and snapshots."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def object_or_404(queryset: QuerySet, pk: int | str, message: str) -> Model:
    """The object an admin screen's address names, or 404: also for an id that
    is not a number (no query is made for it)."""
    found = queryset.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise Http404(message)
    return found


@lru_cache(maxsize=32)
def _admin_root(urlconf: str | None, script_prefix: str) -> str | None:
    """Where the admin is, for this URLconf and script prefix; None for an
    URLconf without the admin (nothing to guard). Reversed once, not on every
    request: it was a tenth of the middleware stack's cost on a plain page."""
    try:
        return reverse("admin:index", urlconf=urlconf)
    except NoReverseMatch:
        return None


@receiver(setting_changed)
def _forget_admin_root(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _admin_root.cache_clear()


class AdminInputGuardMiddleware:
    """Refuses, with a 400 page, admin requests that Django's admin would pass
    to the database as they are and answer with a 500.

    Found by fuzzing every registered admin: a NUL byte in an address or a
    filter value (PostgreSQL cannot compare text with NUL), a year too large
    for a date in a date-hierarchy filter, and an action posted with ids
    that are not ids. None of them can come from the admin's own links and
    forms; each used to be a server error. So did an action on an id too large
    for the database's integers. Form fields are not checked here:
    the admin's forms refuse NUL with a field error of their own.
    """

    DATE_PARTS = ("__year", "__month", "__day")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # The URLconf and script prefix this request resolved with (Django's
        # get_urlconf() and get_script_prefix(), read from the request: each
        # thread-local read cost more than the rest of this check).
        path = request.path
        admin_root = _admin_root(
            getattr(request, "urlconf", None),
            path[: len(path) - len(request.path_info)],
        )
        if admin_root is None or not path.startswith(admin_root):
            return None
        problem = self.problem(request, getattr(view_func, "model_admin", None))
        if problem is None:
            return None
        return bad_request(request, SuspiciousOperation(problem))

    def problem(self, request: HttpRequest, model_admin) -> str | None:
        if "\x00" in request.path_info:
            return "NUL in the address"
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return "NUL in the query"
            if name.endswith(self.DATE_PARTS) and any(
                len(value) > 4 for value in values
            ):
                return "date part out of range"
        if (
            request.method == "POST"
            and model_admin is not None
            and ACTION_CHECKBOX_NAME in request.POST
        ):
            pk = model_admin.model._meta.pk
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                try:
                    value = pk.to_python(value)
                except ValidationError:
                    return "an action on something that is not an id"
                if not _fits(model_admin.model, pk, value):
                    return "an action on an id out of range"
        return None


def _fits(model, pk, value) -> bool:
    """An integer id the database can hold. Django leaves `pk__in` lookups to
    the database, and SQLite fails on a number past 64 bits instead of
    finding nothing (found by fuzzing: an action on id 2**63)."""
    if not isinstance(value, int):
        return True
    ops = connections[router.db_for_read(model)].ops
    low, high = ops.integer_field_ranges.get(pk.get_internal_type(), (None, None))
    return (low is None or value >= low) and (high is None or value <= high)

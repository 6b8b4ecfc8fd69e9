"""Staff sessions reach account pages only after the second factor.

After the password step of a staff login and before the code, the session is
logged in: without this guard, /accounts/password/change/ and /accounts/email/
worked, and a staff password alone could lock the owner out and plant a
recovery address (issue 15). Such a session is now sent to the second factor
(and back afterwards) from:

- every django-allauth view, found by the view's module rather than a list of
  URLs, so a page a new allauth version adds is covered too; only logging
  out stays open;
- every page under the `community` URLs' `me/` (the member's own pages: data
  export, account deletion, consent).

Members and anonymous visitors are not affected.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from diseasemaps.lib import two_factor
from diseasemaps.lib.visitors import may_be_logged_in

# Leaving must stay possible before the second factor.
_OPEN_VIEWS = {"LogoutView"}


def _view_name(view_func: Callable) -> str:
    view_class = getattr(view_func, "view_class", None)
    return view_class.__name__ if view_class else view_func.__name__


def is_account_page(request: HttpRequest, view_func: Callable) -> bool:
    if view_func.__module__.startswith("allauth."):
        return _view_name(view_func) not in _OPEN_VIEWS
    match = request.resolver_match
    return bool(
        match and "community" in match.namespaces and str(match.route).startswith("me/")
    )


class StaffSecondFactorFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args, view_kwargs
    ) -> HttpResponse | None:
        if not may_be_logged_in(request):
            return None
        if not two_factor.needs_second_factor(request.user):
            return None
        if not is_account_page(request, view_func):
            return None
        return HttpResponseRedirect(
            two_factor.second_factor_url(request, request.get_full_path())
        )

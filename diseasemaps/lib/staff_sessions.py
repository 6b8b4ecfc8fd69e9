"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request.

A staff session can publish medical answers and read members' accounts, so a
laptop left open must not stay logged in for the two weeks a member's session
lasts. Members keep Django's normal session length.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from diseasemaps.lib.visitors import may_be_logged_in

LAST_SEEN = "staff_last_seen"
# The time of the last request is written to the session at most once a
# minute, not on every request: a session write is a database query.
TOUCH_EVERY_SECONDS = 60


def idle_limit_seconds() -> int:
    return settings.STAFF_SESSION_IDLE_MINUTES * 60


def start_idle_clock(request: HttpRequest) -> None:
    request.session[LAST_SEEN] = int(time.time())
    # The cookie and the stored session expire with the same idle limit.
    request.session.set_expiry(idle_limit_seconds())


class StaffSessionIdleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not may_be_logged_in(request):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and user.is_staff:
            last_seen = request.session.get(LAST_SEEN)
            idle = int(time.time()) - last_seen if last_seen is not None else None
            if idle is not None and idle > idle_limit_seconds():
                logout(request)
                messages.info(
                    request,
                    f"You were logged out after {settings.STAFF_SESSION_IDLE_MINUTES} "
                    "minutes without activity. Please log in again.",
                )
                admin_root = reverse("admin:index")
                if request.path.startswith(admin_root):
                    return redirect_to_login(
                        request.get_full_path(), reverse("admin:login")
                    )
            elif idle is None or idle >= TOUCH_EVERY_SECONDS:
                start_idle_clock(request)
        return self.get_response(request)

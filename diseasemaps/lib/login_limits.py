"""django-axes' database handler, plus a per-username limit for the staff login.

axes locks one login name at one client address (AXES_LOCKOUT_PARAMETERS):
someone guessing elsewhere cannot lock a person out. For the staff login that
left guessing one staff password from many addresses unslowed, so a login by
username (the admin's form: its credentials carry no email address, a
member's do) is also refused once that username has
STAFF_LOGIN_USERNAME_FAILURE_LIMIT recorded failures from all addresses
together. axes keeps one row per name and address and deletes it
AXES_COOLOFF_TIME after its last failure, so the limit lifts by itself.

Members are not limited this way: a stranger could keep them out with it.
Their per-account brake is a challenge (community.accounts.AccountAdapter).
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def is_username_login(credentials: dict | None) -> bool:
    credentials = credentials or {}
    return bool(credentials.get("username")) and not credentials.get("email")


class LoginLimitsHandler(AxesDatabaseHandler):
    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if not is_username_login(credentials):
            return False
        username = get_client_username(request, credentials)
        if not username:
            return False
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        failures = AccessAttempt.objects.filter(
            username=username, attempt_time__gt=since
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return (failures or 0) >= settings.STAFF_LOGIN_USERNAME_FAILURE_LIMIT

"""Who may be behind a request, decided without loading anyone.

Every way to log in here (password, passkey, the admin's login, allauth) keeps
the person in the session, so a request without a session cookie is from
someone nobody has logged in yet. The middleware that only matters for people
who are logged in (the staff guards, the page cache's private pages, the
compression's secret check) asks this first: for an anonymous reader, most
requests, it then never loads the session or the user (a tenth of the stack's
cost on a constant page, README "Performance").

Only before the view runs: a view may log someone in (`login()`), and the
session cookie it then sets is on the response, not the request.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


class _SessionCookie:
    """The session cookie's name, read from settings once (a settings read
    costs more than the check it is for) and again when a test changes it."""

    name = ""

    @classmethod
    def read(cls, **kwargs) -> None:
        cls.name = settings.SESSION_COOKIE_NAME


def _session_cookie_changed(*, setting: str, **kwargs) -> None:
    if setting == "SESSION_COOKIE_NAME":
        _SessionCookie.read()


setting_changed.connect(_session_cookie_changed)


def may_be_logged_in(request: HttpRequest) -> bool:
    """False when nobody can be logged in on this request (no session
    cookie); True when someone may be, which the caller then checks."""
    if not _SessionCookie.name:
        _SessionCookie.read()
    return _SessionCookie.name in request.COOKIES


def is_logged_in(request: HttpRequest) -> bool:
    """`request.user.is_authenticated`, without loading the session and the
    user when there is no session cookie to load them from.

    The authentication middleware leaves a lazy user, read from the session
    when first asked; a view that logs someone in puts the user itself, and
    that one is always asked."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if type(user) is SimpleLazyObject and not may_be_logged_in(request):
        return False
    return user.is_authenticated

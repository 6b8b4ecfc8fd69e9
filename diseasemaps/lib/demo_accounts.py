"""Demo and generated accounts: usable in development, refused everywhere else.

`manage.py load_demo` and `manage.py generate_dataset` (devdata/, DEBUG only)
make accounts whose password and TOTP secret are published in the README. If
either ever ran against a database that a server with DEBUG off then uses,
those accounts would open that server to anyone who read the README. So every
such account is put in DEMO_GROUP where it is created, and here:

- `RefuseDemoAccounts`, an authentication backend before the ones that check
  passwords (after django-axes, so lockouts still count), stops a password
  login of a demo account (admin and member logins alike) when DEBUG is off;
- `flag_demo_session` (on `user_logged_in`, which every login path sends:
  password, email confirmation, password reset, `force_login`) marks the
  session, and `DemoSessionMiddleware` ends a marked session on its next
  request when DEBUG is off. Normal sessions cost no query: the mark is read
  from the session, which is loaded anyway;
- `check_no_demo_accounts`, a deployment check, fails `check --deploy` while
  any demo account exists, and says how to remove them.

A password reset changes the password, not the group: it revives nothing.
(`make bench` logs in generated accounts with DEBUG off through sessions it
writes into the session store itself, which needs the database anyway.)
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.models import Group
from django.core.checks import Error, Tags, register
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from diseasemaps.lib.visitors import may_be_logged_in

# The marker: membership of this group (no permissions). A group rather than
# a field, so no migration; the name says what it is to a site admin.
DEMO_GROUP = "Demo accounts (published password, development only)"
SESSION_FLAG = "_demo_account"


def demo_logins_allowed() -> bool:
    """Only with DEBUG on: development, where the README invites them."""
    return settings.DEBUG


def mark_demo(user_ids) -> None:
    """Put these accounts in DEMO_GROUP (for code that makes them one by one;
    the dataset generator writes the group links in bulk)."""
    group = demo_group()
    through = get_user_model().groups.through
    known = set(
        through.objects.filter(group=group, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    through.objects.bulk_create(
        through(user_id=pk, group=group) for pk in user_ids if pk not in known
    )


def demo_group() -> Group:
    return Group.objects.get_or_create(name=DEMO_GROUP)[0]


def is_demo(user) -> bool:
    if user is None or not getattr(user, "pk", None):
        return False
    return user.groups.filter(name=DEMO_GROUP).exists()


class RefuseDemoAccounts:
    """Before the password backends: PermissionDenied ends authentication
    before any backend checks the password, so a demo account's login fails
    like a wrong password (the form says the details are not correct). No
    `get_user`: sessions never name this backend (`force_login` takes the
    first backend that has one)."""

    def authenticate(self, request, username=None, password=None, **credentials):
        if demo_logins_allowed():
            return None
        # Staff log in by username; members by address (allauth passes it
        # as `email`).
        names = [v for v in (username, credentials.get("email")) if v]
        if not names:
            return None
        User = get_user_model()
        named = Q()
        for name in names:
            named |= Q(**{f"{User.USERNAME_FIELD}__iexact": name})
            named |= Q(email__iexact=name)
        if User._default_manager.filter(named, groups__name=DEMO_GROUP).exists():
            raise PermissionDenied("Demo accounts cannot log in with DEBUG off.")
        return None


def flag_demo_session(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: one query per login, none per request afterwards."""
    if request is not None and hasattr(request, "session") and is_demo(user):
        request.session[SESSION_FLAG] = True


class DemoSessionMiddleware:
    """Ends a demo account's session when DEBUG is off, whatever path logged
    it in. After the message middleware, so it can say why."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a request with a session cookie: reading the session of any
        # other would add "Vary: Cookie" to it for nothing.
        if (
            may_be_logged_in(request)
            and not demo_logins_allowed()
            and request.session.get(SESSION_FLAG)
        ):
            logout(request)
            messages.error(
                request,
                "Demo accounts cannot log in on this site. Log in with your own "
                "account, or create one.",
            )
        return self.get_response(request)


@register(Tags.security, deploy=True)
def check_no_demo_accounts(app_configs=None, **kwargs) -> list[Error]:
    try:
        count = (
            get_user_model()._default_manager.filter(groups__name=DEMO_GROUP).count()
        )
    except DatabaseError:
        # `check` runs before any database exists, or without reaching it:
        # nothing to count then (a server refuses these logins regardless).
        return []
    if not count:
        return []
    return [
        Error(
            f"{count} demo or generated account(s) exist (made by load_demo "
            "or generate_dataset): their password and two-factor secret are "
            "published in the README.",
            hint=(
                "A server with DEBUG off refuses their logins, but remove "
                "them: deploy on a database that never held demo content, or "
                f"delete the users in the group “{DEMO_GROUP}” in the admin "
                "(Users, filter by group) and what only they wrote."
            ),
            id="diseasemaps.E001",
        )
    ]

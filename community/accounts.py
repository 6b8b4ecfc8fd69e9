"""How django-allauth makes member accounts: the sign-up form's extra fields, the
adapter, and the name django-axes counts failed logins under.

A member is known in public only by a pseudonym. The email address is for
logging in and for mail; it never becomes the username, the display name or
anything else other people can see.
"""

import logging
import re
import secrets
import smtplib
import unicodedata

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.utils import user_username
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from answers.models import Reviewer
from community import names, services
from community.exceptions import PseudonymTaken
from community.models import CONSENT_TEXT, MAP_CONSENT_TEXT, Member
from outbox.services import queue_email

PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 40
# Seconds a reader is asked to wait when the mail server did not take an
# account email.
MAIL_RETRY_AFTER = 120

logger = logging.getLogger(__name__)
# The rate (ACCOUNT_RATE_LIMITS) that counts one account's failed logins from
# every address; past it, logging in needs a mailed code as well.
PER_ACCOUNT_FAILURES = "login_failed_per_account"
# Letters of any alphabet, digits, spaces and . _ -. No "@": a pseudonym is
# public, and an email address typed here by mistake would be published.
_PSEUDONYM_CHARS = re.compile(r"[^\W_][\w .-]*")


def normalise_pseudonym(value: str) -> str:
    """One spelling per name: compatibility forms folded, spaces collapsed."""
    value = unicodedata.normalize("NFKC", value or "")
    return " ".join(value.split())


# Does another member's name look like this one? (community.names; the
# service checks again when it saves the profile.)
pseudonym_taken = services.pseudonym_taken


def staff_names() -> set[str]:
    """The names staff sign with: reviewers' shown names (also former
    reviewers': their names stay on the answers they approved), and staff
    full names and usernames (moderation and review records carry the full
    name, or the username when there is none)."""
    shown = set(Reviewer.objects.values_list("display_name", flat=True))
    staff = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True))
    for user in staff.only("username", "first_name", "last_name"):
        shown.update(filter(None, [user.get_full_name(), user.get_username()]))
    return shown


def staff_skeletons() -> set[str]:
    """Every key a staff member's or reviewer's name is compared under."""
    return {key for name in staff_names() for key in names.comparison_skeletons(name)}


def pseudonym_available(
    pseudonym: str,
    *,
    member: Member | None = None,
    staff: set[str] | None = None,
) -> bool:
    """May a member (`member`, when they already have a name) take this name?

    Not when it reads as the site, looks like a staff member's or reviewer's
    name (titles such as "Dr" aside), or like another member's. `staff`: the
    staff_skeletons(), when the caller checks many names."""
    if names.is_site_name(pseudonym):
        return False
    if staff is None:
        staff = staff_skeletons()
    if names.comparison_skeletons(pseudonym) & staff:
        return False
    return not pseudonym_taken(pseudonym, member=member)


def clean_pseudonym(value: str, *, member: Member | None = None) -> str:
    """A name as typed, normalised, or a ValidationError that says why not.

    Every refusal because of other people's names has the same words
    (names.UNAVAILABLE): trying names must not tell whether a member uses one.
    """
    value = normalise_pseudonym(value)
    if "@" in value:
        raise ValidationError(
            "This looks like an email address. Choose a name instead: "
            "everyone can see it.",
            code="email_like",
        )
    if not PSEUDONYM_MIN <= len(value) <= PSEUDONYM_MAX:
        raise ValidationError(
            f"Use between {PSEUDONYM_MIN} and {PSEUDONYM_MAX} characters.",
            code="length",
        )
    problem = names.character_problem(value)
    if problem:
        raise ValidationError(problem, code="characters")
    if not _PSEUDONYM_CHARS.fullmatch(value):
        raise ValidationError(
            "Use only letters, digits, spaces, dots, dashes and underscores, "
            "starting with a letter or digit.",
            code="characters",
        )
    if not pseudonym_available(value, member=member):
        raise ValidationError(names.UNAVAILABLE, code="unavailable")
    return value


def country_choices() -> list[tuple[str, str]]:
    return [("", "Prefer not to say"), *countries]


class MemberSignupForm(forms.Form):
    """The fields allauth adds to its sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    pseudonym = forms.CharField(
        label="Public name (pseudonym)",
        max_length=PSEUDONYM_MAX,
        help_text=(
            "The only name other people see next to what you share. "
            f"{PSEUDONYM_MIN} to {PSEUDONYM_MAX} letters, digits, spaces, dots, "
            "dashes or underscores. Better not your real name."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    country = forms.ChoiceField(
        label="Country (optional)",
        required=False,
        choices=country_choices,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    counted_in_map = forms.BooleanField(
        label=MAP_CONSENT_TEXT,
        required=False,
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={
            "required": (
                "We can only create an account if you agree to this: without it "
                "we may not store what you share about health."
            )
        },
    )

    # allauth puts its own fields (email, passwords) first otherwise.
    field_order = [
        "email",
        "password1",
        "password2",
        "pseudonym",
        "country",
        "counted_in_map",
        "consent",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields.get("email")
        if email is not None:
            email.help_text = (
                "For logging in and for mail from us. Never shown to anyone."
            )

    def clean_pseudonym(self) -> str:
        return clean_pseudonym(self.cleaned_data["pseudonym"])

    def signup(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Called by allauth once the user row exists: add the member profile."""
        try:
            # A savepoint, so the user row can be removed again below.
            with transaction.atomic():
                services.create_member(
                    user=user,
                    pseudonym=self.cleaned_data["pseudonym"],
                    consented=self.cleaned_data["consent"],
                    country=self.cleaned_data.get("country", ""),
                    counted_in_map=self.cleaned_data.get("counted_in_map", False),
                )
        except (IntegrityError, PseudonymTaken):
            # Someone took the same pseudonym, or one that looks like it,
            # between validation and now (the database constraint catches the
            # same letters in any case; create_member the look-alikes, under a
            # lock). An account without
            # a profile would have no consent on record: remove it, and show
            # the form again as if validation had caught it.
            user.delete()
            self.add_error("pseudonym", names.UNAVAILABLE)
            raise ImmediateHttpResponse(
                render(
                    request,
                    "account/signup.html",
                    {"form": self, "login_url": reverse("account_login")},
                )
            ) from None


# What the page says when an account email could not be sent. Emails that
# answer the same form must give the same page, or the page would tell whether
# an address has an account: a sign-up with a known address sends
# "account_already_exists", a reset for an unknown one "unknown_account".
_MAIL_SITUATION = {
    "email_confirmation_signup": "signup",
    "account_already_exists": "signup",
    "password_reset_key": "reset",
    "unknown_account": "reset",
}


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account emails (confirmation, password reset) are sent at once.

        They are not queued in the outbox like notifications: they carry keys
        that log someone in or reset a password, which must not wait in the
        database. When the mail server refuses or does not answer, the reader
        gets a page saying so (503, Retry-After) instead of an error page; what
        they did before the email was saved (a new account) stays saved, and
        asking again later sends a new email.
        """
        # A way out in every account mail that warns "if it was not you".
        context = {
            "reset_url": settings.SITE_URL + reverse("account_reset_password"),
            **context,
        }
        try:
            super().send_mail(template_prefix, email, context)
        except (OSError, smtplib.SMTPException) as exc:
            kind = template_prefix.rsplit("/", 1)[-1]
            # The kind of email and of failure only: never the address.
            logger.warning(
                "Account email %s not sent, the mail server failed: %s",
                kind,
                type(exc).__name__,
            )
            request = allauth_context.request
            if kind.startswith("email_confirmation"):
                # allauth sends one confirmation per address every 3 minutes;
                # one that never left must not count, or the login the page
                # suggests would send nothing.
                ratelimit.clear(request, action="confirm_email", key=email.lower())
            response = render(
                request,
                "account/email_unavailable.html",
                {"situation": _MAIL_SITUATION.get(kind, "other")},
                status=503,
            )
            response["Retry-After"] = str(MAIL_RETRY_AFTER)
            # Logged above, once, without a traceback: Django need not log the
            # 503 again as an error (nor mail it to the admins through the
            # mail server that is down).
            response._has_been_logged = True
            raise ImmediateHttpResponse(response) from exc

    def populate_username(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """A random username: allauth would otherwise derive one from the email
        address, which would then show in the admin, logs and exports."""
        users = get_user_model().objects
        while True:
            username = f"member-{secrets.token_hex(6)}"
            if not users.filter(username=username).exists():
                break
        user_username(user, username)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict | None = None,
        email: str | None = None,
    ) -> None:
        """Mail telling the owner of a change to the account (an address
        added, made primary or removed; the password changed or reset).

        Queued in the outbox, unlike the mails with keys: it carries none, and
        a mail server that is down must not turn a change that is already
        made into an error page; the outbox tries again until it is sent. A
        removed address is told as well as the primary one: after a takeover
        the primary address may be the intruder's. The page's IP and browser
        that allauth passes are left out: the queue is kept in the database.
        """
        if not app_settings.EMAIL_NOTIFICATIONS:
            return
        context = context or {}
        recipients = [email or EmailAddress.objects.get_primary_email(user)]
        if template_prefix.endswith("/email_deleted"):
            recipients.append(context.get("deleted_email"))
        mail_context = {
            **context,
            "user": user,
            "timestamp": timezone.now(),
            "reset_url": settings.SITE_URL + reverse("account_reset_password"),
            "email_url": settings.SITE_URL + reverse("account_email"),
        }
        for address in dict.fromkeys(a.lower() for a in recipients if a):
            message = self.render_mail(template_prefix, address, mail_context)
            queue_email(to=[address], subject=message.subject, body=message.body)

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        """Count a wrong password for the account typed, from any address:
        past ACCOUNT_RATE_LIMITS["login_failed_per_account"] the password alone
        no longer logs in (is_login_by_code_required). A count, not a lock: a
        stranger who fails on purpose cannot keep the member out."""
        super().authentication_failed(request, **credentials)
        login = str(credentials.get("email") or "").strip().lower()
        if login:
            ratelimit.consume(request, action=PER_ACCOUNT_FAILURES, key=login)

    def is_login_by_code_required(self, login) -> bool:
        """The challenge: after many failed logins for this account from
        anywhere, the right password is followed by a code mailed to the
        account's address (allauth's login-by-code step). The member gets in
        from anywhere; a guessed password alone opens nothing."""
        if super().is_login_by_code_required(login):
            return True
        request = allauth_context.request
        if request is None or login.user is None:
            return False
        addresses = {login.email, EmailAddress.objects.get_primary_email(login.user)}
        return any(
            not ratelimit.consume(
                request, action=PER_ACCOUNT_FAILURES, key=a.lower(), dry_run=True
            )
            for a in addresses
            if a
        )


def user_display(user: AbstractBaseUser) -> str:
    """How allauth names a user in messages and mail: the pseudonym."""
    try:
        return user.member.display_name
    except Member.DoesNotExist:  # staff accounts have no member profile
        return user.get_username()


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The name django-axes counts failed logins under.

    Members log in with an email address (allauth passes it as `email`), the
    admin with a username. The allauth login form's `login` field comes before
    a credentials `username`: after a successful login axes asks again with the
    username only, and must find the same name to clear the failed attempts.
    Email addresses are compared without letter case, so "A@x" and "a@x" count
    as one.
    """
    credentials = credentials or {}
    post = getattr(request, "POST", None) or {}
    for value in (
        credentials.get("email"),
        post.get("login"),
        credentials.get("username"),
        post.get("username"),
        post.get("email"),
    ):
        if value:
            value = str(value).strip()
            return value.lower() if "@" in value else value
    return None


def client_ip(request: HttpRequest) -> str | None:
    """The address axes counts, the same one allauth's rate limits use.

    Behind a proxy (BEHIND_PROXY=true) REMOTE_ADDR is the proxy for everyone;
    the client is the address the proxy appended to X-Forwarded-For.
    """
    proxies = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")

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

from allauth.account.adapter import DefaultAccountAdapter
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
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django_countries import countries

from community import services
from community.models import CONSENT_TEXT, FORMER_MEMBER, MAP_CONSENT_TEXT, Member

PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 40
# Seconds a reader is asked to wait when the mail server did not take an
# account email.
MAIL_RETRY_AFTER = 120

logger = logging.getLogger(__name__)
# Letters of any alphabet, digits, spaces and . _ -. No "@": a pseudonym is
# public, and an email address typed here by mistake would be published.
_PSEUDONYM_CHARS = re.compile(r"[^\W_][\w .-]*")
# Names a reader could take for the site speaking, or for a deleted account.
RESERVED_PSEUDONYMS = {
    FORMER_MEMBER.casefold(),
    "diseasemaps",
    "moderator",
    "moderators",
    "admin",
    "administrator",
    "staff",
}


def normalise_pseudonym(value: str) -> str:
    """One spelling per name: compatibility forms folded, spaces collapsed."""
    value = unicodedata.normalize("NFKC", value or "")
    return " ".join(value.split())


def pseudonym_taken(pseudonym: str) -> bool:
    return Member.objects.filter(pseudonym__iexact=pseudonym).exists()


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
        value = normalise_pseudonym(self.cleaned_data["pseudonym"])
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
        if not _PSEUDONYM_CHARS.fullmatch(value):
            raise ValidationError(
                "Use only letters, digits, spaces, dots, dashes and underscores, "
                "starting with a letter or digit.",
                code="characters",
            )
        if value.casefold() in RESERVED_PSEUDONYMS:
            raise ValidationError(
                "This name is kept for the site. Choose another one.", code="reserved"
            )
        if pseudonym_taken(value):
            raise ValidationError(
                "Someone already uses this name (letter case does not matter). "
                "Choose another one.",
                code="taken",
            )
        return value

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
        except IntegrityError:
            # Someone took the same pseudonym between validation and now (the
            # database constraint is case-insensitive too). An account without
            # a profile would have no consent on record: remove it, and show
            # the form again as if validation had caught it.
            user.delete()
            self.add_error(
                "pseudonym",
                "Someone took this name a moment ago. Choose another one.",
            )
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

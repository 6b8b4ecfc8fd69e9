"""The second factor for staff: an authenticator app (TOTP), a passkey
(WebAuthn), or a one-time recovery code.

Staff log in at /admin/login/ with username and password as before; the admin
then opens only once the session is verified (StaffAdminSite.has_permission).
A staff account with no second factor is sent to enrol an authenticator app
and gets ten recovery codes. Members never see any of this.

Libraries, all on django-otp (which owns the "is this session verified"
state, OTPMiddleware's user.is_verified(), and throttles wrong codes):
- TOTP: django-otp's otp_totp (TOTPDevice).
- Recovery codes: django-otp's otp_static (StaticDevice, StaticToken): a token
  is deleted when it is used, so each code works once.
- Passkeys: django-otp-webauthn (WebAuthnCredential, the ceremony views and
  their JavaScript). Its script is a static file and its settings travel in a
  <script type="application/json"> data block, so it runs under our CSP
  (script-src 'self', no inline script); TOTP and recovery codes need no
  script at all.

Why not the others (checked for issue 15):
- django-two-factor-auth 1.18.1 (last release Sep 2025) replaces the admin
  login with its own form wizard (django-formtools) and templates, pulls in
  django-phonenumber-field, and its WebAuthn plugin renders its JavaScript
  inline from templates (refused by our CSP) and needs py_webauthn < 3, which
  django-otp-webauthn cannot share.
- allauth's MFA (65.21.1, installed for members) guards only allauth's own
  login flow; staff log in through the admin by username, so it would need a
  second login for staff and its own idea of "verified" beside django-otp's.
django-otp-webauthn 0.10.3 (Sep 2026) supports Django 5.2 to 6.1 and Python
3.10 to 3.15 and keeps the admin login and this module's pages.

What is ours (glue): the pages in the admin's look and words, the rule that a
change to one's second factor needs a check in the last
STAFF_TWO_FACTOR_RECENT_MINUTES (`recently_verified`), one authenticator app
per person, refusing to remove the last way in, and the staff idle clock
(start_idle_clock) on every verification.

Losing the phone: log in with the password and a recovery code, then on
"How you log in" set up the new phone, which replaces the lost one; no site
admin is needed.
"""

import base64
import time
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, logout
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django.views.i18n import JavaScriptCatalog
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from diseasemaps.lib.staff_sessions import start_idle_clock

DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# When the session last proved the second factor (a Unix time).
VERIFIED_AT = "two_factor_verified_at"

# Sent after each change to how a staff member logs in (an authenticator app
# or passkey added or removed, new recovery codes, the password changed in the
# admin), with `user` (whose login changed), `change` (a sentence for the mail:
# "A new passkey was added.") and `by` (who made it: the user or a site admin).
# answers.notifications mails the owner, so a stolen session cannot change
# the way in unnoticed. (diseasemaps.lib imports no app: hence a signal.)
login_changed = Signal()


def tell_owner(user: AbstractBaseUser, change: str, by: AbstractBaseUser) -> None:
    """The change is made: tell the owner (queued with the change, in its
    transaction when there is one)."""
    login_changed.send(sender=None, user=user, change=change, by=by)


def is_verified(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True once this session passed the second factor (django-otp's
    OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def is_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def needs_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return is_staff(user) and not is_verified(user)


def recently_verified(request: HttpRequest) -> bool:
    """Verified, and within STAFF_TWO_FACTOR_RECENT_MINUTES: what changing
    one's second factor needs."""
    verified_at = request.session.get(VERIFIED_AT)
    limit = settings.STAFF_TWO_FACTOR_RECENT_MINUTES * 60
    return (
        is_verified(request.user)
        and verified_at is not None
        and time.time() - verified_at <= limit
    )


# --- A person's methods ---------------------------------------------------------


def authenticator_app(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def passkeys(user: AbstractBaseUser) -> list[WebAuthnCredential]:
    return list(
        WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")
    )


def ways_in(user: AbstractBaseUser) -> list[Device]:
    """The authenticator app and passkeys: what a person logs in with day to
    day (recovery codes are the spare key, not one of these)."""
    app = authenticator_app(user)
    return ([app] if app else []) + passkeys(user)


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_enrolled(user: AbstractBaseUser) -> bool:
    """Someone with any second factor proves it before enrolling another."""
    return bool(ways_in(user)) or recovery_codes_left(user) > 0


def new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Replace the person's recovery codes with RECOVERY_CODE_COUNT new ones
    and return them (shown once; django-otp keeps them to compare)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.select_for_update().get_or_create(
            user=user, defaults={"name": RECOVERY_DEVICE_NAME}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in codes
        )
    return codes


# --- Where a session goes -------------------------------------------------------


def _next_url(request: HttpRequest, default: str = "") -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(
        REDIRECT_FIELD_NAME, ""
    )
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default or reverse("admin:index")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def second_factor_url(request: HttpRequest, next_url: str = "") -> str:
    """Where a staff session without a verified second factor goes: enrol
    or verify."""
    name = "admin:two_factor_verify"
    if not is_enrolled(request.user):
        name = "admin:two_factor_setup"
    return _with_next(name, next_url or _next_url(request))


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the session that `device` proved the second factor now."""
    django_otp.login(request, device)
    request.session[VERIFIED_AT] = int(time.time())
    start_idle_clock(request)


def _verified(request: HttpRequest, device: Device, next_url: str) -> HttpResponse:
    mark_verified(request, device)
    # A new session id for the now more powerful session.
    request.session.cycle_key()
    return HttpResponseRedirect(next_url)


# --- Forms ----------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit():
            raise forms.ValidationError("The code is 6 digits.")
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        # Codes are printed in lower case; people copy them with spaces or
        # dashes, or type them in capitals.
        return "".join(c for c in self.cleaned_data["code"].lower() if c.isalnum())


TOO_MANY = (
    "Too many wrong codes: wait a few seconds, then type the code your app shows now."
)
NOT_RIGHT = (
    "That code is not right, or it has been used already. Type the code your "
    "app shows now."
)
RECOVERY_NOT_RIGHT = (
    "That recovery code is not right, or it has been used already. Each code "
    "works once: try another one from your list."
)
RECOVERY_TOO_MANY = "Too many wrong codes: wait a few seconds, then try again."
CONFIRM_FIRST = (
    "To change how you log in, confirm it is you first: use your authenticator "
    "app, a passkey or a recovery code."
)
LAST_WAY_IN = (
    "This is your only way to log in besides recovery codes. Set up another way "
    "to log in first, then remove this one."
)


def _throttled(device: Device) -> bool:
    """django-otp makes a device wait 1, 2, 4… seconds after each wrong code."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


def _cancel(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("admin:login"))


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    from django.contrib import admin

    return TemplateResponse(
        request,
        f"admin/two_factor/{template}",
        {
            **admin.site.each_context(request),
            "next": _next_url(request),
            "redirect_field_name": REDIRECT_FIELD_NAME,
            **context,
        },
    )


def _confirm_first(request: HttpRequest, next_url: str) -> HttpResponse:
    messages.info(request, CONFIRM_FIRST)
    return HttpResponseRedirect(_with_next("admin:two_factor_verify", next_url))


# --- The pages ------------------------------------------------------------------


def _gate(request: HttpRequest) -> HttpResponse | None:
    """Shared by the login steps: only staff; a session checked recently goes
    on; someone with no second factor enrols one."""
    if not is_staff(request.user):
        return HttpResponseRedirect(reverse("admin:login"))
    if recently_verified(request):
        return HttpResponseRedirect(_next_url(request))
    if not is_enrolled(request.user):
        return HttpResponseRedirect(second_factor_url(request))
    if request.method == "POST" and "cancel" in request.POST:
        return _cancel(request)
    return None


@never_cache
@csrf_protect
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of a staff login, and the check again before a change:
    a code from the authenticator app, or a passkey (the page's script)."""
    if (response := _gate(request)) is not None:
        return response
    device = authenticator_app(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is None:
        form.add_error("code", "You have no authenticator app: use another way.")
    elif request.method == "POST" and form.is_valid():
        if _throttled(device):
            form.add_error("code", TOO_MANY)
        else:
            verified = django_otp.verify_token(
                request.user, device.persistent_id, form.cleaned_data["code"]
            )
            if verified is not None:
                return _verified(request, verified, _next_url(request))
            form.add_error("code", NOT_RIGHT)
    return _render(
        request,
        "verify.html",
        {
            "form": form,
            "title": "Two-factor authentication",
            "has_app": device is not None,
            "has_passkey": bool(passkeys(request.user)),
            "codes_left": recovery_codes_left(request.user),
            "again": is_verified(request.user),
        },
    )


@never_cache
@csrf_protect
def recovery(request: HttpRequest) -> HttpResponse:
    """A one-time recovery code instead of the app or passkey (a lost phone)."""
    if (response := _gate(request)) is not None:
        return response
    device = StaticDevice.objects.filter(user=request.user, confirmed=True).first()
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device is None:
            form.add_error("code", RECOVERY_NOT_RIGHT)
        elif _throttled(device):
            form.add_error("code", RECOVERY_TOO_MANY)
        else:
            verified = django_otp.verify_token(
                request.user, device.persistent_id, form.cleaned_data["code"]
            )
            if verified is not None:
                left = recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. If you lost your "
                    "phone, set up your new one below: it replaces the old one.",
                )
                return _verified(request, verified, reverse("admin:two_factor_devices"))
            form.add_error("code", RECOVERY_NOT_RIGHT)
    return _render(
        request,
        "recovery.html",
        {"form": form, "title": "Use a recovery code"},
    )


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (the CSP allows data: images, and no
    script is needed to show it)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _secret_for_typing(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _show_recovery_codes(
    request: HttpRequest, codes: list[str], next_url: str
) -> HttpResponse:
    response = _render(
        request,
        "recovery_codes.html",
        {"codes": codes, "title": "Save your recovery codes", "continue_url": next_url},
    )
    # The codes are on this page once: no browser or proxy keeps a copy.
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@csrf_protect
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, then prove it works with one code.
    The first one also makes the recovery codes; a new one replaces the old."""
    if not is_staff(request.user):
        return HttpResponseRedirect(reverse("admin:login"))
    first = not is_enrolled(request.user)
    if not first and not recently_verified(request):
        # A password alone, or a session left open, must not move the
        # second factor.
        return _confirm_first(request, request.get_full_path())
    if request.method == "POST" and "cancel" in request.POST:
        if first:
            return _cancel(request)
        return HttpResponseRedirect(reverse("admin:two_factor_devices"))
    if request.method == "POST":
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            # The key is made when the page is shown; a code without it
            # (an old tab) starts again.
            return HttpResponseRedirect(request.get_full_path())
    else:
        device, _ = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _throttled(device):
        form.add_error("code", TOO_MANY)
    elif request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if device.verify_token(form.cleaned_data["code"]):
                # One authenticator app per person: the new one replaces the
                # old (a lost or replaced phone).
                TOTPDevice.objects.filter(user=request.user).exclude(
                    pk=device.pk
                ).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                tell_owner(
                    request.user, "A new authenticator app was set up.", request.user
                )
                codes = []
                if not recovery_codes_left(request.user):
                    codes = new_recovery_codes(request.user)
                messages.success(
                    request,
                    "Your authenticator app is set up. From now on, you log in "
                    "with your password and a code from the app.",
                )
                mark_verified(request, device)
                request.session.cycle_key()
                next_url = _next_url(request, reverse("admin:two_factor_devices"))
                if codes:
                    return _show_recovery_codes(request, codes, next_url)
                return HttpResponseRedirect(next_url)
        form.add_error("code", NOT_RIGHT)
    return _render(
        request,
        "setup.html",
        {
            "form": form,
            "title": "Set up two-factor authentication",
            "qr_code": qr_code_data_uri(device.config_url),
            "secret": _secret_for_typing(device),
            "first": first,
        },
    )


@never_cache
def devices(request: HttpRequest) -> HttpResponse:
    """The page "How you log in": the person's own methods (behind admin_view,
    so the session is verified), with the buttons to change them."""
    from django.contrib import admin

    user = request.user
    return TemplateResponse(
        request,
        "admin/two_factor/devices.html",
        {
            **admin.site.each_context(request),
            "title": "How you log in",
            "app": authenticator_app(user),
            "passkeys": passkeys(user),
            "codes_left": recovery_codes_left(user),
            "can_change": recently_verified(request),
        },
    )


@never_cache
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    """Remove one of one's own authenticator app or passkeys."""
    here = reverse("admin:two_factor_devices")
    if not recently_verified(request):
        return _confirm_first(request, here)
    kind, _, pk = request.POST.get("device", "").partition("/")
    model = {m.model_label(): m for m in (TOTPDevice, WebAuthnCredential)}.get(kind)
    if model is None or not pk.isdigit():
        raise Http404
    with transaction.atomic():
        # One removal at a time per person, so two at once cannot remove the
        # last two ways in.
        get_user_model().objects.select_for_update().get(pk=request.user.pk)
        # Scoped to the person: someone else's device is not found.
        device = get_object_or_404(model, pk=pk, user=request.user, confirmed=True)
        if len(ways_in(request.user)) <= 1:
            messages.error(request, LAST_WAY_IN)
            return HttpResponseRedirect(here)
        device.delete()
        name = device.name or "The passkey"
        tell_owner(request.user, f"{name} was removed.", request.user)
    messages.success(request, f"{name} removed: it no longer logs you in.")
    return HttpResponseRedirect(here)


@never_cache
@require_POST
def new_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes; the old ones stop working."""
    here = reverse("admin:two_factor_devices")
    if not recently_verified(request):
        return _confirm_first(request, here)
    with transaction.atomic():
        codes = new_recovery_codes(request.user)
        tell_owner(
            request.user,
            "New recovery codes were made; the old ones no longer work.",
            request.user,
        )
    return _show_recovery_codes(request, codes, here)


# --- Passkeys: django-otp-webauthn's views, for staff only ----------------------


class NotStaff(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_code = "not_staff"
    default_detail = "Passkeys are for staff accounts."


class NotRecentlyVerified(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_code = "not_recently_verified"
    default_detail = CONFIRM_FIRST


class StaffRegistration:
    """Adding a passkey is a change to how one logs in: staff only, after a
    recent check (the library itself only asks for a verified session)."""

    def check_can_register(self) -> None:
        if not is_staff(self.request.user):
            raise NotStaff()
        if not recently_verified(self.request):
            raise NotRecentlyVerified()


class BeginRegistration(
    StaffRegistration, webauthn_views.BeginCredentialRegistrationView
):
    pass


class CompleteRegistration(
    StaffRegistration, webauthn_views.CompleteCredentialRegistrationView
):
    def post(self, *args, **kwargs):
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            # Refusals raise (the API answers them with an error status).
            tell_owner(self.request.user, "A new passkey was added.", self.request.user)
        return response


class StaffAuthentication:
    """A passkey as the second step after the password (never instead of
    it: OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is off)."""

    def check_can_authenticate(self) -> None:
        if not is_staff(self.request.user):
            raise NotStaff()


class BeginAuthentication(
    StaffAuthentication, webauthn_views.BeginCredentialAuthenticationView
):
    pass


class CompleteAuthentication(
    StaffAuthentication, webauthn_views.CompleteCredentialAuthenticationView
):
    def complete_auth(self, device: WebAuthnCredential) -> None:
        mark_verified(self.request, device)
        self.request.session.cycle_key()

    def get_success_url(self) -> str:
        return self.get_redirect_url() or reverse("admin:index")


# Under the namespace the library's template tags reverse ("otp_webauthn").
passkey_urls = (
    [
        path(
            "registration/begin/",
            BeginRegistration.as_view(),
            name="credential-registration-begin",
        ),
        path(
            "registration/complete/",
            CompleteRegistration.as_view(),
            name="credential-registration-complete",
        ),
        path(
            "authentication/begin/",
            BeginAuthentication.as_view(),
            name="credential-authentication-begin",
        ),
        path(
            "authentication/complete/",
            CompleteAuthentication.as_view(),
            name="credential-authentication-complete",
        ),
        path(
            "jsi18n/",
            JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
            name="js-i18n-catalog",
        ),
    ],
    "otp_webauthn",
)

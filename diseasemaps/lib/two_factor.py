"""The second factor for staff: a TOTP code from an authenticator app.

Staff log in at /admin/login/ with username and password as before; the admin
then opens only once the session is verified with a code (StaffAdminSite).
A staff account without a device is sent to enrol one: scan the QR code,
type a code to confirm. Members never see any of this.

Library: django-otp (TOTPDevice, verify_token, throttling of wrong codes,
OTPMiddleware's user.is_verified()). allauth's MFA module was the other
candidate, but it guards allauth's own login flow, which staff do not use;
django-otp hooks into the session any login produces, so it guards the admin
whatever way someone logged in.

Losing the phone: a site admin deletes the person's device in the admin
(OTP_ADMIN_HIDE_SENSITIVE_DATA keeps the secrets out of view), and the person
enrols a new one at their next login.
"""

import base64
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp.plugins.otp_totp.models import TOTPDevice

from diseasemaps.lib.staff_sessions import start_idle_clock

DEVICE_NAME = "Authenticator app"


def is_verified(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True once this session entered a code (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def is_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def needs_second_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    return is_staff(user) and not is_verified(user)


def confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(
        REDIRECT_FIELD_NAME, ""
    )
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def second_factor_url(request: HttpRequest, next_url: str = "") -> str:
    """Where a staff session without a verified code goes: enrol or verify."""
    name = "admin:two_factor_verify"
    if confirmed_device(request.user) is None:
        name = "admin:two_factor_setup"
    next_url = next_url or _next_url(request)
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


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


def _throttled(device: TOTPDevice) -> bool:
    """django-otp makes a device wait 1, 2, 4… seconds after each wrong code."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


TOO_MANY = (
    "Too many wrong codes: wait a few seconds, then type the code your app shows now."
)
NOT_RIGHT = (
    "That code is not right, or it has been used already. Type the code your "
    "app shows now."
)


def _verified(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    django_otp.login(request, device)
    # A new session id for the now more powerful session.
    request.session.cycle_key()
    start_idle_clock(request)
    return HttpResponseRedirect(_next_url(request))


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


@never_cache
@csrf_protect
def verify(request: HttpRequest) -> HttpResponse:
    """Second step of a staff login: a code from the enrolled device."""
    if not is_staff(request.user):
        return HttpResponseRedirect(reverse("admin:login"))
    if is_verified(request.user):
        return HttpResponseRedirect(_next_url(request))
    device = confirmed_device(request.user)
    if device is None:
        return HttpResponseRedirect(second_factor_url(request))
    if request.method == "POST" and "cancel" in request.POST:
        return _cancel(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _throttled(device):
            form.add_error("code", TOO_MANY)
        else:
            verified = django_otp.verify_token(
                request.user, device.persistent_id, form.cleaned_data["code"]
            )
            if verified is not None:
                return _verified(request, verified)
            form.add_error("code", NOT_RIGHT)
    return _render(
        request, "verify.html", {"form": form, "title": "Two-factor authentication"}
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


@never_cache
@csrf_protect
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, then prove it works with one code."""
    if not is_staff(request.user):
        return HttpResponseRedirect(reverse("admin:login"))
    if confirmed_device(request.user) is not None:
        # Replacing a device needs a site admin (see the module docstring):
        # a password alone must not be enough to move the second factor.
        return HttpResponseRedirect(second_factor_url(request))
    if request.method == "POST" and "cancel" in request.POST:
        return _cancel(request)
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
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                messages.success(
                    request,
                    "Your authenticator app is set up. From now on, you log in "
                    "with your password and a code from the app.",
                )
                return _verified(request, device)
        form.add_error("code", NOT_RIGHT)
    return _render(
        request,
        "setup.html",
        {
            "form": form,
            "title": "Set up two-factor authentication",
            "qr_code": qr_code_data_uri(device.config_url),
            "secret": _secret_for_typing(device),
        },
    )

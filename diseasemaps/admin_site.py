"""The admin site: Django's, with a second factor required for every page.

`has_permission` (which every admin page, model page and custom admin view
checks through `admin_view`) also requires a session verified with a second
factor (diseasemaps/lib/two_factor.py: an authenticator app, a passkey or a
recovery code). A staff member who has only typed their password is sent to
that step, or to enrol an authenticator app if they have no second factor yet.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path

from diseasemaps.lib import two_factor


class StaffAdminSite(admin.AdminSite):
    # Not Django's registration/logged_out.html ("Thanks for spending some
    # quality time…"): a plain page in our words.
    logout_template = "admin/logged_out.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and two_factor.is_verified(request.user)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if two_factor.needs_second_factor(request.user):
            return HttpResponseRedirect(two_factor.second_factor_url(request))
        response = super().login(request, extra_context)
        # The password was right: straight on to the code, wherever `next` was.
        if request.method == "POST" and two_factor.needs_second_factor(request.user):
            next_url = (
                response.get("Location", "") if response.status_code == 302 else ""
            )
            return HttpResponseRedirect(two_factor.second_factor_url(request, next_url))
        return response

    def password_change(self, request: HttpRequest, extra_context=None):
        response = super().password_change(request, extra_context)
        # Django redirects to "done" only when the old password was right and
        # the new one saved.
        if request.method == "POST" and response.status_code == 302:
            two_factor.tell_owner(
                request.user, "The password was changed.", request.user
            )
        return response

    def get_urls(self):
        return [
            # Not behind admin_view: these pages are how a session gets verified.
            path("two-factor/", two_factor.verify, name="two_factor_verify"),
            path(
                "two-factor/recovery/", two_factor.recovery, name="two_factor_recovery"
            ),
            path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
            # A verified session only; changes also need a recent check.
            path(
                "two-factor/methods/",
                self.admin_view(two_factor.devices),
                name="two_factor_devices",
            ),
            path(
                "two-factor/methods/remove/",
                self.admin_view(two_factor.remove),
                name="two_factor_remove",
            ),
            path(
                "two-factor/recovery-codes/",
                self.admin_view(two_factor.new_codes),
                name="two_factor_new_codes",
            ),
            *super().get_urls(),
        ]


def fix_third_party_admins(site: admin.AdminSite) -> None:
    """django-axes 8.3.1's "Clean up expired attempts" action fails with an
    AttributeError (a 500): it reads request attributes that axes sets only
    on login requests. Its admin is replaced by one that sets them first, as
    axes does for a login. (Imported here: axes' admin module registers with
    admin.site, which is this module's StaffAdminSite.)"""
    from axes.admin import AccessAttemptAdmin
    from axes.handlers.proxy import AxesProxyHandler
    from axes.models import AccessAttempt

    class FixedAccessAttemptAdmin(AccessAttemptAdmin):
        @admin.action(description="Clean up expired attempts")
        def cleanup_expired_attempts(self, request, queryset) -> None:
            AxesProxyHandler.update_request(request)
            super().cleanup_expired_attempts(request, queryset)

    if site.is_registered(AccessAttempt):
        site.unregister(AccessAttempt)
        site.register(AccessAttempt, FixedAccessAttemptAdmin)

    hide_second_factor_secrets(site)
    tell_of_password_changes(site)


def tell_of_password_changes(site: admin.AdminSite) -> None:
    """A site admin who sets someone's password on the user page tells that
    person: a password they did not choose is news (or an attack)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    registered = site._registry.get(user_model)
    if registered is None:
        return
    base = type(registered)

    class TellingUserAdmin(base):
        def user_change_password(self, request, id, form_url=""):
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                two_factor.tell_owner(user, "The password was changed.", request.user)
            return response

    site.unregister(user_model)
    site.register(user_model, TellingUserAdmin)


def hide_second_factor_secrets(site: admin.AdminSite) -> None:
    """otp_static's admin lists every person's unused recovery codes in clear.
    Staff make new ones themselves on "How you log in" (two_factor.devices);
    a site admin who must shut someone out deactivates the account.
    (django-otp-webauthn registers no admin of its own.)"""
    from django_otp.plugins.otp_static.models import StaticDevice

    if site.is_registered(StaticDevice):
        site.unregister(StaticDevice)

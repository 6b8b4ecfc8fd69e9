"""The admin app, configured to use the staff admin site (admin_site.py)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, with `admin.site` being our StaffAdminSite: every
    `@admin.register` and `admin.site.urls` get the second factor for free."""

    default_site = "diseasemaps.admin_site.StaffAdminSite"

    def ready(self) -> None:
        super().ready()  # registers every app's admin
        from django.contrib import admin

        from diseasemaps.admin_site import fix_third_party_admins

        fix_third_party_admins(admin.site)

        from django.contrib.auth.signals import user_logged_in

        # Imported for its deployment check, too.
        from diseasemaps.lib import demo_accounts

        user_logged_in.connect(
            demo_accounts.flag_demo_session, dispatch_uid="flag_demo_session"
        )

"""Reviewers in the admin: who they are, their credentials and disclosures.

Readers see a reviewer's profile on their own page and in the reviewer lists
on every page, so saving goes through `services.save_reviewer`, which also
tells the stored pages they are stale.
"""

from django.contrib import admin

from answers import services
from answers.admin.common import SavedByServiceAdmin
from answers.models import Reviewer


@admin.register(Reviewer)
class ReviewerAdmin(SavedByServiceAdmin):
    save_service = staticmethod(services.save_reviewer)
    list_display = ["display_name", "credentials", "specialty", "active", "user"]
    list_filter = ["active", "specialty"]
    list_select_related = ["user"]
    search_fields = ["display_name", "registration_id", "user__username", "user__email"]
    prepopulated_fields = {"slug": ["display_name"]}
    raw_id_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["user", "display_name", "slug", "active"]}),
        (
            "Credentials",
            {
                "fields": [
                    "credentials",
                    "specialty",
                    "affiliation",
                    "registration_body",
                    "registration_id",
                ]
            },
        ),
        ("For readers", {"fields": ["bio", "disclosures"]}),
    ]

"""Reviewers in the admin: who they are, their credentials and disclosures.

Readers see a reviewer's profile on their own page and in the reviewer lists
on every page, so saving goes through `services.save_reviewer`, which also
tells the stored pages they are stale.
"""

from collections.abc import Callable

from django.contrib import admin
from django.http import HttpRequest

from answers import services
from answers.admin.common import SavedByServiceAdmin
from answers.models import Reviewer


@admin.register(Reviewer)
class ReviewerAdmin(SavedByServiceAdmin):
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

    def save_through_service(
        self,
        request: HttpRequest,
        obj: Reviewer,
        *,
        save_related: Callable[[], None],
    ) -> None:
        services.save_reviewer(
            reviewer=obj, user=request.user, save_related=save_related
        )

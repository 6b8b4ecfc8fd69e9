"""Queued email in the admin: read-only, for site admins to see what waits."""

from django.contrib import admin

from diseasemaps.lib.admin import ReadOnlyAdmin
from outbox.models import OutboundEmail

# Where a message stands: in the list and on its page.
DELIVERY = [
    "status",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
    "sent_at",
]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """What was sent, what waits and why: for a site admin checking on mail."""

    list_display = ["pk", "subject", *DELIVERY]
    list_filter = ["status"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    fields = ["recipient", "subject", "body", *DELIVERY]

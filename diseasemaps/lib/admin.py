"""Shared admin building blocks."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody edits by hand: audit trails and snapshots."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

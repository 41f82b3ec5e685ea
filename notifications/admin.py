"""Notifications change state only through the workflow services, so the back office shows them
read-only: a field edited here would bypass the transition table, the audit trail and four eyes."""

from django.contrib import admin

from exportctl.audit.admin import ReadOnlyAdmin
from notifications.models import Document, Notification, Permit


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("reference", "firm", "status", "destination_country", "risk_level")
    list_filter = ("status", "risk_level")
    search_fields = ("reference", "title", "firm__name", "parties__name", "parties__local_name")
    list_select_related = ("firm",)


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ("number", "notification", "status", "valid_from", "valid_until")
    list_filter = ("status",)
    search_fields = ("number", "notification__reference")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "notification", "issued_at", "sha256")
    list_filter = ("kind",)
    search_fields = ("number", "notification__reference", "sha256")

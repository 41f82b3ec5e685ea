"""Back office: audit events are read-only, and every change made through the admin is audited.

Django's own ``LogEntry`` records admin changes too, but it can be edited and is not chained; the
audit trail is the record an auditor trusts, so ``AuditedAdmin`` writes an event in the same
transaction as each save or delete (the admin wraps both in ``transaction.atomic``).
"""

from django.contrib import admin
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from exportctl.audit import trail
from exportctl.audit.models import AuditEvent


def _changes(form) -> dict:
    if form is None:
        return {}
    return {name: str(form.cleaned_data.get(name)) for name in form.changed_data}


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletes leave an ``admin.*`` event on the audit trail."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        trail.record(
            action="admin.changed" if change else "admin.created",
            actor=request.user,
            obj=obj,
            data={"model": obj._meta.label_lower, "fields": _changes(form)},
            request=request,
        )

    def delete_model(self, request, obj):
        snapshot = {k: str(v) for k, v in model_to_dict(obj).items()}
        trail.record(
            action="admin.deleted",
            actor=request.user,
            obj=obj,
            data={"model": obj._meta.label_lower, "values": snapshot},
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action must not bypass the per-object audit event.
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable in the back office, never changed there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "occurred_at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "action", "object_id")
    date_hierarchy = "occurred_at"
    ordering = ("-seq",)
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    fieldsets = (
        (None, {"fields": ("seq", "occurred_at", "actor", "actor_label", "action", "firm")}),
        (_("Object"), {"fields": ("object_type", "object_id", "data", "ip_address")}),
        (_("Chain"), {"fields": ("prev_hash", "hash")}),
    )

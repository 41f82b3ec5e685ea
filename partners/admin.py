"""Back office for the ministry's reference data; list versions are read-only once published."""

from django.contrib import admin

from exportctl.audit.admin import AuditedAdmin, ReadOnlyAdmin
from partners.models import (
    CountryTier,
    KeyTechnology,
    ListedEntry,
    ListSource,
    ListVersion,
    ListVersionStatus,
    SpecifiedHsScope,
)


@admin.register(CountryTier)
class CountryTierAdmin(AuditedAdmin):
    list_display = ("country", "tier", "effective_from", "effective_to", "legal_basis")
    list_filter = ("tier",)
    search_fields = ("country", "legal_basis")


@admin.register(KeyTechnology)
class KeyTechnologyAdmin(AuditedAdmin):
    list_display = ("code", "name_en", "name_ja", "effective_from", "effective_to")
    search_fields = ("code", "name_en", "name_ja")


@admin.register(SpecifiedHsScope)
class SpecifiedHsScopeAdmin(AuditedAdmin):
    list_display = ("hs_prefix", "excluded", "description_en", "effective_from", "effective_to")
    list_filter = ("excluded",)
    search_fields = ("hs_prefix", "description_en", "description_ja")


@admin.register(ListSource)
class ListSourceAdmin(AuditedAdmin):
    list_display = ("code", "name", "authority", "advisory")


@admin.register(ListVersion)
class ListVersionAdmin(AuditedAdmin):
    """Versions are imported and published through the list manager's pages (which audit and
    re-screen); here a draft's label and dates may be corrected, nothing else, and never once it
    has been published."""

    list_display = ("source", "label", "status", "entry_count", "published_at")
    list_filter = ("source", "status")
    readonly_fields = (
        "source",
        "status",
        "file_name",
        "file_sha256",
        "entry_count",
        "imported_by",
        "published_by",
        "published_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != ListVersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ListedEntry)
class ListedEntryAdmin(ReadOnlyAdmin):
    list_display = ("version", "number", "name", "country", "kind")
    list_filter = ("version__source", "kind")
    search_fields = ("name", "local_name")
    list_select_related = ("version", "version__source")

"""Screening runs and hits are evidence: read-only in the back office (reviewers adjudicate hits on
the case page, where the adjudication is audited)."""

from django.contrib import admin

from exportctl.audit.admin import ReadOnlyAdmin
from screening.models import PartyHit, ScreeningRun


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ("notification", "trigger", "status", "level", "score", "outcome", "created_at")
    list_filter = ("status", "level", "outcome", "trigger")
    search_fields = ("notification__reference",)
    list_select_related = ("notification",)


@admin.register(PartyHit)
class PartyHitAdmin(ReadOnlyAdmin):
    list_display = ("run", "party", "entry", "score", "disposition")
    list_filter = ("disposition",)
    list_select_related = ("run__notification", "party", "entry")

"""The ministry's enforcement pages, mounted at /enforcement/ (namespace "enforcement")."""

from django.urls import path

from notifications import enforcement_views as views

app_name = "enforcement"

urlpatterns = [
    path("", views.ministry_list, name="list"),
    path("violations/new/", views.violation_new, name="violation_new"),
    path("violations/<uuid:violation_id>/", views.violation_detail, name="violation"),
    path(
        "violations/<uuid:violation_id>/confirm/",
        views.violation_decide,
        {"decision": "confirm"},
        name="violation_confirm",
    ),
    path(
        "violations/<uuid:violation_id>/dismiss/",
        views.violation_decide,
        {"decision": "dismiss"},
        name="violation_dismiss",
    ),
    path("violations/<uuid:violation_id>/evidence/", views.evidence_add, name="evidence_add"),
    path(
        "violations/<uuid:violation_id>/evidence/<uuid:evidence_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path("violations/<uuid:violation_id>/sanction/", views.sanction_impose, name="sanction"),
    path("export/violations.csv", views.export, {"what": "violations"}, name="export_violations"),
    path("export/sanctions.csv", views.export, {"what": "sanctions"}, name="export_sanctions"),
]

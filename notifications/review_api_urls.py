"""The reviewer API, mounted at /api/v1/review/."""

from django.urls import path

from notifications import review_api as api

app_name = "review_api"

urlpatterns = [
    path("cases/", api.ReviewQueueView.as_view(), name="queue"),
    path("cases/<uuid:public_id>/", api.CaseView.as_view(), name="case"),
    path("cases/<uuid:public_id>/claim/", api.ClaimView.as_view(), name="claim"),
    path("cases/<uuid:public_id>/release/", api.ReleaseView.as_view(), name="release"),
    path("cases/<uuid:public_id>/assign/", api.AssignView.as_view(), name="assign"),
    path(
        "cases/<uuid:public_id>/hits/<uuid:hit_id>/adjudicate/",
        api.AdjudicateView.as_view(),
        name="adjudicate",
    ),
    path("cases/<uuid:public_id>/rerun/", api.RerunView.as_view(), name="rerun"),
    path("cases/<uuid:public_id>/notes/", api.NoteView.as_view(), name="note"),
    path(
        "cases/<uuid:public_id>/request-info/", api.RequestInfoView.as_view(), name="request_info"
    ),
    path("cases/<uuid:public_id>/approve/", api.ApproveView.as_view(), name="approve"),
    path("cases/<uuid:public_id>/countersign/", api.CountersignView.as_view(), name="countersign"),
    path("cases/<uuid:public_id>/return/", api.ReturnView.as_view(), name="return"),
    path("cases/<uuid:public_id>/deny/", api.DenyView.as_view(), name="deny"),
    path("cases/<uuid:public_id>/inform/", api.InformView.as_view(), name="inform"),
    path(
        "cases/<uuid:public_id>/conclude-no-licence/",
        api.ConcludeNoLicenceView.as_view(),
        name="conclude_no_licence",
    ),
    path(
        "cases/<uuid:public_id>/checklist/<int:number>/note/",
        api.ChecklistNoteView.as_view(),
        name="checklist_note",
    ),
    path(
        "cases/<uuid:public_id>/permits/<uuid:permit_id>/<slug:action>/",
        api.PermitActionView.as_view(),
        name="permit_action",
    ),
]

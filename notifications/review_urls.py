"""The reviewer's pages, mounted at /review/. Every action is POST-only."""

from django.urls import path

from notifications import inform_notice_views
from notifications import review_views as views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("inform-notices/", inform_notice_views.ministry_list, name="inform_notices"),
    path("inform-notices/new/", inform_notice_views.ministry_new, name="inform_notice_new"),
    path(
        "inform-notices/<uuid:notice_id>/",
        inform_notice_views.ministry_detail,
        name="inform_notice",
    ),
    path(
        "inform-notices/<uuid:notice_id>/pdf/",
        inform_notice_views.ministry_pdf,
        name="inform_notice_pdf",
    ),
    path("<uuid:public_id>/", views.case, name="case"),
    path("<uuid:public_id>/claim/", views.claim, name="claim"),
    path("<uuid:public_id>/release/", views.release, name="release"),
    path("<uuid:public_id>/assign/", views.assign, name="assign"),
    path("<uuid:public_id>/hits/<uuid:hit_id>/adjudicate/", views.adjudicate, name="adjudicate"),
    path("<uuid:public_id>/rerun/", views.rerun, name="rerun"),
    path("<uuid:public_id>/notes/", views.note, name="note"),
    path("<uuid:public_id>/request-info/", views.request_info, name="request_info"),
    path("<uuid:public_id>/approve/", views.approve, name="approve"),
    path("<uuid:public_id>/countersign/", views.countersign, name="countersign"),
    path("<uuid:public_id>/return/", views.return_approval, name="return"),
    path("<uuid:public_id>/deny/", views.deny, name="deny"),
    path("<uuid:public_id>/inform/", views.inform, name="inform"),
    path(
        "<uuid:public_id>/conclude-no-licence/",
        views.conclude_no_licence,
        name="conclude_no_licence",
    ),
    path(
        "<uuid:public_id>/checklist/<int:number>/note/",
        views.checklist_note,
        name="checklist_note",
    ),
    path(
        "<uuid:public_id>/permits/<uuid:permit_id>/<slug:action>/",
        views.permit_action,
        name="permit_action",
    ),
    path("<uuid:public_id>/attachments/<uuid:attachment_id>/", views.attachment, name="attachment"),
    path("<uuid:public_id>/documents/<uuid:document_id>/", views.document, name="document"),
]

"""The exporter's pages, mounted at /notifications/."""

from django.urls import path

from notifications import exporter_views as views
from notifications import inform_notice_views, shipment_views

app_name = "notifications"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.new, name="new"),
    path("inform-notices/", inform_notice_views.exporter_list, name="inform_notices"),
    path(
        "inform-notices/<uuid:notice_id>/",
        inform_notice_views.exporter_detail,
        name="inform_notice",
    ),
    path(
        "inform-notices/<uuid:notice_id>/pdf/",
        inform_notice_views.exporter_pdf,
        name="inform_notice_pdf",
    ),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/status-fragment/", views.status_fragment, name="status_fragment"),
    path("<uuid:public_id>/edit/<slug:step>/", views.edit, name="edit"),
    path("<uuid:public_id>/edit/<slug:step>/validate/", views.validate, name="validate"),
    path("<uuid:public_id>/items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("<uuid:public_id>/items/<int:item_id>/delete/", views.item_delete, name="item_delete"),
    path("<uuid:public_id>/parties/<uuid:party_id>/", views.party_edit, name="party_edit"),
    path(
        "<uuid:public_id>/parties/<uuid:party_id>/delete/",
        views.party_delete,
        name="party_delete",
    ),
    path(
        "<uuid:public_id>/attachments/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "<uuid:public_id>/attachments/<uuid:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path(
        "<uuid:public_id>/documents/<uuid:document_id>/",
        views.document_download,
        name="document",
    ),
    path("<uuid:public_id>/messages/", views.thread, name="messages"),
    path("<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:public_id>/copy/", views.copy, name="copy"),
    path(
        "<uuid:public_id>/permits/<uuid:permit_id>/",
        shipment_views.permit_detail,
        name="permit",
    ),
    path(
        "<uuid:public_id>/licence-application/",
        views.licence_application,
        name="licence_application",
    ),
]

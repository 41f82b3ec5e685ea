"""The exporter's endpoints, mounted at /api/v1/notifications/ (namespace "api:notifications")."""

from django.urls import path

from notifications.api import shipments, views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListCreate.as_view(), name="list"),
    path("<uuid:public_id>/", views.NotificationDetail.as_view(), name="detail"),
    path("<uuid:public_id>/status/", views.NotificationStatus.as_view(), name="status"),
    path("<uuid:public_id>/submit/", views.NotificationSubmit.as_view(), name="submit"),
    path("<uuid:public_id>/withdraw/", views.NotificationWithdraw.as_view(), name="withdraw"),
    path("<uuid:public_id>/copy/", views.NotificationCopy.as_view(), name="copy"),
    path("<uuid:public_id>/checklist/", views.NotificationChecklist.as_view(), name="checklist"),
    path("<uuid:public_id>/items/", views.ItemListCreate.as_view(), name="items"),
    path(
        "<uuid:public_id>/permits/<uuid:permit_id>/shipments/",
        shipments.PermitShipments.as_view(),
        name="permit-shipments",
    ),
    path("<uuid:public_id>/items/<int:position>/", views.ItemDetail.as_view(), name="item-detail"),
    path("<uuid:public_id>/parties/", views.PartyListCreate.as_view(), name="parties"),
    path(
        "<uuid:public_id>/parties/<uuid:party_id>/",
        views.PartyDetail.as_view(),
        name="party-detail",
    ),
    path("<uuid:public_id>/attachments/", views.AttachmentListCreate.as_view(), name="attachments"),
    path(
        "<uuid:public_id>/attachments/<uuid:attachment_id>/",
        views.AttachmentDetail.as_view(),
        name="attachment-detail",
    ),
    path(
        "<uuid:public_id>/attachments/<uuid:attachment_id>/download/",
        views.AttachmentDownload.as_view(),
        name="attachment-download",
    ),
    path("<uuid:public_id>/documents/", views.DocumentList.as_view(), name="documents"),
    path(
        "<uuid:public_id>/documents/<uuid:document_id>/download/",
        views.DocumentDownload.as_view(),
        name="document-download",
    ),
    path("<uuid:public_id>/messages/", views.MessageListCreate.as_view(), name="messages"),
]

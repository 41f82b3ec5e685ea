from django.urls import path

from exportctl.audit import views
from notifications import auditor_views

app_name = "audit"

urlpatterns = [
    path("", auditor_views.search, name="search"),
    path("cases/<uuid:public_id>/", auditor_views.case, name="case"),
    path("documents/<uuid:public_id>/", auditor_views.document_download, name="document"),
    path("verify-pdf/", auditor_views.verify_pdf, name="verify-pdf"),
    path("export/<slug:what>.<slug:fmt>", auditor_views.export, name="export"),
    path("log/", views.log, name="log"),
    path("log/verify/", views.verify, name="verify-chain"),
    path("log/export.<slug:fmt>", views.export, name="log-export"),
    # Public (no sign-in): the signed checkpoints of the trail and their key.
    path("checkpoints/", views.checkpoint_list, name="checkpoints"),
    path("checkpoints.json", views.checkpoint_feed, name="checkpoint-feed"),
]

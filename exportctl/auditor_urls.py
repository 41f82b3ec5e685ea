"""The auditor's area and the trail's public checkpoints, under one namespace (``audit:``).

A composition module above the apps: it joins the auditor's pages (``notifications``) and the
checkpoint pages (``exportctl.audit``), which the audit app itself may not import (the
import-linter layers in ``pyproject.toml``)."""

from django.urls import path

from exportctl.audit import views
from notifications import auditor_log_views, auditor_views

app_name = "audit"

urlpatterns = [
    path("", auditor_views.search, name="search"),
    path("cases/<uuid:public_id>/", auditor_views.case, name="case"),
    path("documents/<uuid:public_id>/", auditor_views.document_download, name="document"),
    path("verify-pdf/", auditor_views.verify_pdf, name="verify-pdf"),
    path("export/<slug:what>.<slug:fmt>", auditor_views.export, name="export"),
    path("log/", auditor_log_views.log, name="log"),
    path("log/verify/", auditor_log_views.verify, name="verify-chain"),
    path("log/export.<slug:fmt>", auditor_log_views.export, name="log-export"),
    # Public (no sign-in): the signed checkpoints of the trail and their key.
    path("checkpoints/", views.checkpoint_list, name="checkpoints"),
    path("checkpoints.json", views.checkpoint_feed, name="checkpoint-feed"),
]

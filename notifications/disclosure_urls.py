"""A firm's voluntary disclosures in the browser, mounted at /disclosures/ (namespace
"disclosures")."""

from django.urls import path

from notifications import enforcement_views as views

app_name = "disclosures"

urlpatterns = [
    path("", views.disclosure_list, name="list"),
    path("new/", views.disclosure_new, name="new"),
    path("<uuid:violation_id>/", views.disclosure_detail, name="detail"),
]

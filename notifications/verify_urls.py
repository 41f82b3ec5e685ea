"""The public verify page, mounted at /verify/ (no sign-in)."""

from django.urls import path

from notifications.documents import views

app_name = "verify"

urlpatterns = [
    path("", views.verify, name="verify"),
]

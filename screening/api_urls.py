from django.urls import path

from screening.api import SelfCheckView

urlpatterns = [
    path("self-check/", SelfCheckView.as_view(), name="api-self-check"),
]

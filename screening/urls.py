from django.urls import path

from screening import views

app_name = "screening"

urlpatterns = [
    path("criteria/", views.criteria, name="criteria"),
    path("self-check/", views.self_check, name="self-check"),
]

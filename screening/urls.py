from django.urls import path

from screening import views

app_name = "screening"

urlpatterns = [
    path("criteria/", views.criteria, name="criteria"),
    path("self-check/", views.self_check, name="self-check"),
    path("self-check/records/", views.self_check_records, name="self-check-records"),
    path(
        "self-check/records/<uuid:record_id>/pdf/",
        views.self_check_record_pdf,
        name="self-check-record-pdf",
    ),
]

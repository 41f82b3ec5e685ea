from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    # The list manager's pages come first: "manage" must never be read as a list source code.
    path("manage/", views.manage, name="manage"),
    path("manage/import/", views.version_import, name="import"),
    path("manage/imports/<uuid:public_id>/", views.import_job, name="import_job"),
    path(
        "manage/imports/<uuid:public_id>/progress/",
        views.import_job_progress,
        name="import_job_progress",
    ),
    # The Russia/Belarus measures table: upload (draft) → diff → publish.
    path("manage/measures/", views.measures_manage, name="measures"),
    path("manage/measures/<uuid:public_id>/", views.measures_version, name="measures_version"),
    path(
        "manage/measures/<uuid:public_id>/publish/",
        views.measures_publish,
        name="measures_publish",
    ),
    path(
        "manage/measures/<uuid:public_id>/discard/",
        views.measures_discard,
        name="measures_discard",
    ),
    path("manage/measures/<uuid:public_id>/csv/", views.measures_download, name="measures_csv"),
    path("manage/<uuid:public_id>/", views.version_detail, name="version"),
    path("manage/<uuid:public_id>/publish/", views.version_publish, name="publish"),
    path("manage/<uuid:public_id>/discard/", views.version_discard, name="discard"),
    path("manage/<uuid:public_id>/progress/", views.version_progress, name="progress"),
    # Public pages, no sign-in.
    path("", views.public_index, name="public_index"),
    path("feed/", views.publications_feed, name="feed"),
    path("subscription/", views.subscription, name="subscription"),
    path("<slug:source_code>/", views.public_list, name="public_list"),
    path("<slug:source_code>/entries/<int:number>/", views.public_entry, name="public_entry"),
    path("<slug:source_code>/download/", views.public_downloads, name="public_downloads"),
    path("<slug:source_code>/changes/", views.public_changes, name="public_changes"),
    path(
        "<slug:source_code>/<str:label>/download.<str:fmt>",
        views.public_download,
        name="public_download",
    ),
]

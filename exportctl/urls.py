from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from exportctl.accounts import views as account_views
from exportctl.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("exportctl.accounts.urls")),
    path("accounts/tokens/", include("exportctl.accounts.token_urls")),
    path("accounts/2fa/", include("exportctl.accounts.two_factor_urls")),
    path("notifications/", include("notifications.urls")),
    path("review/", include("notifications.review_urls")),
    path("enforcement/", include("notifications.enforcement_urls")),
    path("disclosures/", include("notifications.disclosure_urls")),
    path("verify/", include("notifications.verify_urls")),
    path("lists/", include("partners.urls")),
    path("audit/", include("exportctl.auditor_urls")),
    path("screening/", include("screening.urls")),
    path("api/v1/screening/", include("screening.api_urls")),
    path("api/v1/review/", include("notifications.review_api_urls")),
    path("api/v1/", include("exportctl.api_urls")),
    path("", account_views.home, name="home"),
]

"""The REST API, mounted at /api/v1/ (namespace "api").

The schema and the docs page are public: they describe the API, never a firm's data. The docs
page is Swagger UI served from our own static files (drf-spectacular-sidecar), its start-up script
as a separate URL (the split view), so the page needs no CDN and no inline script.
"""

from csp.decorators import csp_update
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from exportctl.accounts import tokens

app_name = "api"


# Swagger UI's page carries one small <style> block and React sets style attributes; only this
# page may use inline styles (never inline script), the rest of the site keeps style-src 'self'.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    url_name = "api:schema"

    def _dump(self, data):
        # Swagger UI would otherwise fetch a validity badge from validator.swagger.io.
        if data is spectacular_settings.SWAGGER_UI_SETTINGS:
            data = {**data, "validatorUrl": None}
        return super()._dump(data)


urlpatterns = [
    path("auth/token/", tokens.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/current/", tokens.TokenRevokeView.as_view(), name="token-revoke"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("notifications/", include("notifications.api.urls")),
    path("inform-notices/", include("notifications.api.inform_notices")),
    path("disclosures/", include("notifications.api.disclosures")),
]

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from exportctl import access


class IsExporter(BasePermission):
    """An active exporter or firm administrator of a firm. Ministry staff have their own API
    (``/api/v1/review/``); this one never shows them a firm's drafts."""

    message = _("This API is for users of an exporting firm.")

    def has_permission(self, request, view) -> bool:
        return access.is_firm_user(request.user)

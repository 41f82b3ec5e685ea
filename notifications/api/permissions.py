from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from exportctl.accounts.roles import Role


class IsExporter(BasePermission):
    """An active exporter or firm administrator of a firm. Ministry staff have their own API
    (``/api/v1/review/``); this one never shows them a firm's drafts."""

    message = _("This API is for users of an exporting firm.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.is_active:
            return False
        if user.firm_id is None:
            return False
        return user.has_role(Role.EXPORTER, Role.FIRM_ADMIN)

"""Back office for users, roles (groups) and firms; every change is on the audit trail."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from exportctl.accounts import services
from exportctl.accounts.identity import normalise_email
from exportctl.accounts.models import Firm, User
from exportctl.audit import trail
from exportctl.audit.admin import AuditedAdmin


class NormalisedAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's sign-in, with the address normalised before authentication and before
    django-axes counts the attempt, as at every other door."""

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


admin.site.login_form = NormalisedAdminAuthenticationForm


@admin.register(Firm)
class FirmAdmin(AuditedAdmin):
    list_display = ("name", "name_local", "corporate_number", "compliance_programme_filed")
    search_fields = ("name", "name_local", "corporate_number")
    list_filter = ("compliance_programme_filed",)


class _UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class _UserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    form = _UserChangeForm
    add_form = _UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "firm", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("email", "full_name", "firm__name")
    list_select_related = ("firm",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "preferred_language", "firm")}),
        (_("Roles and access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups",)

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        user = form.instance
        if before != after:
            trail.record(
                action="admin.roles_changed",
                actor=request.user,
                obj=user,
                data={"added": sorted(after - before), "removed": sorted(before - after)},
                request=request,
            )
        # Credentials die together: deactivation or a lost role ends every session and API
        # token; a gained role ends the sessions opened under the old roles.
        if change and "is_active" in form.changed_data and not user.is_active:
            reason, tokens = services.REVOKED_DEACTIVATED, True
        elif before - after:
            reason, tokens = services.REVOKED_ROLES_REMOVED, True
        elif after - before:
            reason, tokens = services.REVOKED_ROLES_ADDED, False
        else:
            return
        if change:
            services.user_credentials_revoke(
                user=user, reason=reason, actor=request.user, request=request, tokens=tokens
            )
            self._keep_own_session(request, user)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                services.user_credentials_revoke(
                    user=user,
                    reason=services.REVOKED_PASSWORD_CHANGED,
                    actor=request.user,
                    request=request,
                )
                self._keep_own_session(request, user)
        return response

    @staticmethod
    def _keep_own_session(request, user) -> None:
        """An administrator editing their own account keeps the session they are using (with a
        new key); every other session of theirs ends."""
        if user.pk == request.user.pk and user.is_active:
            update_session_auth_hash(request, user)

"""Back office for users, roles (groups) and firms; every change is on the audit trail."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from exportctl.accounts.models import Firm, User
from exportctl.audit import trail
from exportctl.audit.admin import AuditedAdmin


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
        if before != after:
            trail.record(
                action="admin.roles_changed",
                actor=request.user,
                obj=form.instance,
                data={"added": sorted(after - before), "removed": sorted(before - after)},
                request=request,
            )

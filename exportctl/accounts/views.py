from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render

from exportctl.accounts.forms import EmailAuthenticationForm
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from notifications import selectors as notification_selectors


class SignInView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        with transaction.atomic():
            trail.record(
                action="auth.login_failed",
                object_type="auth",
                object_id="login",
                data={"email": (form.data.get("username") or "")[:254]},
                request=self.request,
            )
        return super().form_invalid(form)

    def form_valid(self, form):
        with transaction.atomic():
            trail.record(action="auth.login", actor=form.get_user(), request=self.request)
        return super().form_valid(form)


class SignOutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """One front door; each role lands on its own work."""
    user = request.user
    if user.has_role(Role.EXPORTER, Role.FIRM_ADMIN) and user.firm_id:
        page = notification_selectors.notification_page_for_firm(
            user=user, page_number=request.GET.get("page")
        )
        return render(request, "notifications/exporter_dashboard.html", {"page": page})
    if user.has_role(Role.REVIEWER, Role.SENIOR_REVIEWER):
        page = notification_selectors.review_queue_page(
            user=user, page_number=request.GET.get("page")
        )
        return render(request, "notifications/review_queue.html", {"page": page})
    if user.has_role(Role.AUDITOR):
        return render(request, "audit/auditor_home.html")
    if user.has_role(Role.LIST_MANAGER):
        return render(request, "partners/list_manager_home.html")
    return render(request, "accounts/no_role.html", status=403)

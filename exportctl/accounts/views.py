from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _

from exportctl.accounts.forms import EmailAuthenticationForm
from exportctl.accounts.roles import Role
from exportctl.audit import trail
from notifications import selectors as notification_selectors
from screening.models import RiskLevel


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
    """POST only (Django's LogoutView refuses GET), so a link or an image cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            with transaction.atomic():
                trail.record(action="auth.logout", actor=request.user, request=request)
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed, so the message survives into the next page.
        messages.success(request, _("You have been signed out."))
        return response


def _with_risk_labels(page):
    """Risk level is stored as a bare code on the notification; show the translated label."""
    labels = dict(RiskLevel.choices)
    page.object_list = list(page.object_list)
    for notification in page.object_list:
        notification.risk_level_label = labels.get(notification.risk_level, notification.risk_level)
    return page


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
        return render(request, "notifications/review_queue.html", {"page": _with_risk_labels(page)})
    if user.has_role(Role.AUDITOR):
        return render(request, "audit/auditor_home.html")
    if user.has_role(Role.LIST_MANAGER):
        return render(request, "partners/list_manager_home.html")
    return render(request, "accounts/no_role.html", status=403)

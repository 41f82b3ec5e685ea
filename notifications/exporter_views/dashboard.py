"""The exporter's dashboard: the firm's filings, filtered and paginated."""

from django.shortcuts import render

from notifications import exporter_selectors as selectors
from notifications.exporter_views.base import exporter_required
from notifications.forms import DashboardFilterForm

# --- Dashboard --------------------------------------------------------------------------------


@exporter_required
def dashboard(request):
    form = DashboardFilterForm(request.GET or None)
    filters = selectors.DashboardFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.DashboardFilters(
            status=data["status"],
            destination=data["destination"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            q=data["q"],
        )
    page = selectors.dashboard_page(
        user=request.user, filters=filters, page_number=request.GET.get("page")
    )
    return render(
        request,
        "notifications/exporter_dashboard.html",
        {
            "page": page,
            "filter_form": form,
            "filtered": filters != selectors.DashboardFilters(),
            "destinations": selectors.destinations_for_firm(user=request.user),
        },
    )

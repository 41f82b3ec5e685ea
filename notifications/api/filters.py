"""Filters of the exporter's notification list: status, destination, submission dates, search."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from exportctl.countries import CountryCodeFormField
from notifications.models import Notification, Party
from notifications.workflow import Status


class CountryFilter(django_filters.CharFilter):
    """A country filter: an ISO 3166-1 code, or a 400 that names the parameter."""

    field_class = CountryCodeFormField


class NotificationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices,
        help_text=_("One or more statuses (repeat the parameter)."),
    )
    destination = CountryFilter(
        field_name="destination_country",
        method="filter_destination",
        help_text=_("Destination country, ISO 3166 alpha-2 (e.g. TH)."),
    )
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__gte",
        help_text=_("Submitted on or after this date (Japan time), YYYY-MM-DD."),
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__lte",
        help_text=_("Submitted on or before this date (Japan time), YYYY-MM-DD."),
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=_("Words found in the reference, title or a party's name."),
    )

    class Meta:
        model = Notification
        fields = ["status", "destination", "submitted_from", "submitted_to", "search"]

    def filter_destination(self, queryset, name, value):
        return queryset.filter(destination_country=value)

    def filter_search(self, queryset, name, value):
        # Every word must match somewhere; a party match is an EXISTS, so no row repeats.
        for word in value.split()[:8]:
            party_match = Party.objects.filter(notification=OuterRef("pk")).filter(
                Q(name__icontains=word) | Q(local_name__icontains=word)
            )
            queryset = queryset.filter(
                Q(reference__icontains=word) | Q(title__icontains=word) | Exists(party_match)
            )
        return queryset

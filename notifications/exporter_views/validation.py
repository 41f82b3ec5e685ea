"""Inline validation (htmx): one field checked as the exporter leaves it; nothing saved."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from notifications import drafts
from notifications.exporter_views.base import exporter_required, own_notification
from notifications.exporter_views.lines import PARTY_PAGES, find_line
from notifications.forms import (
    DestinationForm,
    EndUseForm,
    ItemForm,
    PartyForm,
    StartForm,
    apply_errors,
)

# --- Inline validation (htmx) -----------------------------------------------------------------

VALIDATED_FORMS = {
    ("items", "item"): ItemForm,
    ("items", "title"): StartForm,
    ("parties", "party"): PartyForm,
    ("parties", "destination"): DestinationForm,
    ("end_use", "end_use"): EndUseForm,
}


@exporter_required
@require_POST
def validate(request, public_id, step):
    """Check one field as the exporter leaves it and return that field, with its error if any.

    Nothing is saved; the same rules run again when the form is submitted."""
    notification = own_notification(request, public_id)
    form_class = VALIDATED_FORMS.get((step, request.POST.get("_form", "")))
    field_name = request.POST.get("_field", "")
    if form_class is None:
        raise Http404
    extra = {"firm_id": notification.firm_id} if form_class is EndUseForm else {}
    form = form_class(request.POST, **extra)
    if field_name not in form.fields:
        raise Http404
    if form.is_valid():
        try:
            if form_class is ItemForm:
                drafts.item_check(notification=notification, **form.cleaned_data)
            elif form_class is PartyForm:
                party = None
                if request.POST.get("_party"):
                    party = find_line(notification, PARTY_PAGES, request.POST["_party"])
                drafts.party_check(notification=notification, party=party, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
    return render(
        request,
        "notifications/exporter/_validated_field_inner.html",
        {"field": form[field_name]},
    )

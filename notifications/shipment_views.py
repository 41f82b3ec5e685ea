"""The exporter's permit page: the balance per permitted item, the shipments made, and the form to
record a new one (issue 22, part 3). Another firm's permit, or a permit of another filing, is 404."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications import shipments
from notifications.exporter_views import exporter_required, own_notification
from notifications.models import Permit, PermitStatus
from notifications.workflow import TransitionError


class ShipmentForm(forms.Form):
    shipped_on = forms.DateField(
        label=gettext_lazy("Date shipped"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The date the goods cleared customs and left."),
    )
    customs_reference = forms.CharField(
        label=gettext_lazy("Customs declaration number (optional)"),
        max_length=50,
        required=False,
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"quantity_{line.item.position}"] = forms.DecimalField(
                label=gettext_lazy("Item %(position)s: %(description)s (%(unit)s)")
                % {
                    "position": line.item.position,
                    "description": line.item.description,
                    "unit": line.item.unit,
                },
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=3,
                required=False,
            )

    def quantity_fields(self):
        return [self[f"quantity_{line.item.position}"] for line in self.lines]

    def quantities(self) -> dict[int, Decimal | None]:
        return {
            line.item.position: self.cleaned_data.get(f"quantity_{line.item.position}")
            for line in self.lines
        }


def _permit(notification, permit_id) -> Permit:
    permit = notification.permits.filter(public_id=permit_id).first()
    if permit is None:
        raise Http404
    return permit


@exporter_required
def permit_detail(request, public_id, permit_id):
    notification = own_notification(request, public_id)
    permit = _permit(notification, permit_id)
    lines = shipments.balances(permit)
    form = ShipmentForm(request.POST or None, lines=lines)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            shipments.shipment_record(
                permit=permit,
                actor=request.user,
                shipped_on=form.cleaned_data["shipped_on"],
                quantities=form.quantities(),
                customs_reference=form.cleaned_data["customs_reference"],
            )
        except shipments.ShipmentRefused as refused:
            refusal = refused.messages
            form.add_error(None, _("The shipment was refused: it does not fit the permit."))
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                target = field if field in form.fields else None
                for message in errors:
                    form.add_error(target, message)
        except TransitionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The shipment was recorded and the balance updated."))
            return redirect(request.path)
    return render(
        request,
        "notifications/exporter/permit.html",
        {
            "notification": notification,
            "permit": permit,
            "lines": lines,
            "shipments": permit.shipments.prefetch_related("lines__item").select_related(
                "recorded_by"
            ),
            "form": form,
            "refusal": refusal,
            "can_ship": permit.status == PermitStatus.VALID
            and permit.valid_until >= timezone.localdate(),
        },
    )

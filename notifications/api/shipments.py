"""Shipments against a permit over the API, as an ERP records them after customs clearance
(issue 22, part 3): ``/api/v1/notifications/{id}/permits/{permit_id}/shipments/``."""

from decimal import Decimal

from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ErrorDetail
from rest_framework.response import Response

from exportctl.api_errors import ErrorResponseSerializer
from notifications import shipments
from notifications.api import idempotency
from notifications.api.views import ExporterAPIView
from notifications.models import PermitStatus


class ShipmentRefusedError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = shipments.REFUSED_CODE
    default_detail = _("The shipment was refused: it does not fit the permit.")

    def __init__(self, refused: shipments.ShipmentRefused):
        super().__init__(
            {
                "lines": [
                    ErrorDetail(message, code=self.default_code) for message in refused.messages
                ]
            }
        )


class ShipmentKeyReused(idempotency.IdempotencyKeyReused):
    default_detail = _(
        "This Idempotency-Key was already used for a different shipment. Use a new key for a new "
        "shipment."
    )


class ShipmentLineSerializer(serializers.Serializer):
    item = serializers.IntegerField(
        min_value=1, help_text="The item's position on the filing (the permit line)."
    )
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))


class ShipmentLineOutSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.position")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class ShipmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    shipped_on = serializers.DateField(help_text="The date the goods were shipped.")
    customs_reference = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="The customs (NACCS) export declaration number, if any.",
    )
    lines = ShipmentLineSerializer(many=True, allow_empty=False)
    recorded_at = serializers.DateTimeField(source="created_at", read_only=True)

    def validate_lines(self, lines):
        positions = [line["item"] for line in lines]
        if len(positions) != len(set(positions)):
            raise serializers.ValidationError(_("Give each item at most once."))
        return lines

    def to_representation(self, shipment):
        return {
            "id": str(shipment.public_id),
            "shipped_on": shipment.shipped_on.isoformat(),
            "customs_reference": shipment.customs_reference,
            "lines": ShipmentLineOutSerializer(shipment.lines.all(), many=True).data,
            "recorded_at": serializers.DateTimeField().to_representation(shipment.created_at),
        }


class BalanceSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.position")
    description = serializers.CharField(source="item.description")
    unit = serializers.CharField(source="item.unit")
    permitted = serializers.DecimalField(max_digits=14, decimal_places=3)
    shipped = serializers.DecimalField(max_digits=14, decimal_places=3)
    balance = serializers.DecimalField(max_digits=14, decimal_places=3)


class PermitShipmentsSerializer(serializers.Serializer):
    permit = serializers.CharField(help_text="The permit number.")
    status = serializers.ChoiceField(choices=PermitStatus.choices)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    balances = BalanceSerializer(many=True)
    shipments = ShipmentSerializer(many=True)


class PermitShipments(ExporterAPIView):
    def permit(self):
        permit = self.notification().permits.filter(public_id=self.kwargs["permit_id"]).first()
        if permit is None:
            raise Http404
        return permit

    @extend_schema(
        operation_id="permit_shipments_list",
        summary="The permit's balance per item and its shipments",
        responses=PermitShipmentsSerializer,
    )
    def get(self, request, public_id, permit_id):
        permit = self.permit()
        return Response(
            {
                "permit": permit.number,
                "status": permit.status,
                "valid_from": permit.valid_from.isoformat(),
                "valid_until": permit.valid_until.isoformat(),
                "balances": BalanceSerializer(shipments.balances(permit), many=True).data,
                "shipments": ShipmentSerializer(
                    permit.shipments.prefetch_related("lines__item"), many=True
                ).data,
            }
        )

    @extend_schema(
        operation_id="permit_shipments_create",
        summary="Record a shipment under the permit",
        description=(
            "Records a shipment after customs clearance; the quantities are deducted from the "
            "balance of each permit line (item). A shipment over the balance, after the permit's "
            "expiry or under a suspended or revoked permit is refused with 409 "
            "`shipment_refused` (one error per reason), nothing is stored, and the refusal is "
            "reported to the ministry as a possible violation. Send an `Idempotency-Key` header "
            "to make retries safe: a retry with the same key and body returns the same shipment "
            "with 200; the same key with another body is refused with 422 "
            "`idempotency_key_reused`."
        ),
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="A unique key per shipment, chosen by the client.",
            )
        ],
        request=ShipmentSerializer,
        responses={
            201: ShipmentSerializer,
            200: OpenApiResponse(ShipmentSerializer, description="A retry: the same shipment."),
            400: OpenApiResponse(ErrorResponseSerializer, description="Invalid input."),
            409: OpenApiResponse(
                ErrorResponseSerializer,
                description="`shipment_refused`: the shipment does not fit the permit.",
            ),
            422: OpenApiResponse(
                ErrorResponseSerializer, description="The key was used for another body."
            ),
        },
    )
    def post(self, request, public_id, permit_id):
        permit = self.permit()
        key = idempotency.key_from(request)
        request_sha256 = idempotency.fingerprint(request.data)
        existing = shipments.existing_for_key(permit, key)
        if existing is not None:
            if shipments.recorded_sha256(existing) != request_sha256:
                raise ShipmentKeyReused()
            return Response(ShipmentSerializer(existing).data, status=status.HTTP_200_OK)
        serializer = ShipmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            shipment = shipments.shipment_record(
                permit=permit,
                actor=request.user,
                shipped_on=data["shipped_on"],
                quantities={line["item"]: line["quantity"] for line in data["lines"]},
                customs_reference=data["customs_reference"],
                idempotency_key=key,
                request_sha256=request_sha256,
            )
        except shipments.ShipmentRefused as refused:
            raise ShipmentRefusedError(refused) from refused
        except IntegrityError:
            # A concurrent retry with the same key won the race: answer as a retry.
            existing = shipments.existing_for_key(permit, key)
            if existing is None:
                raise
            if shipments.recorded_sha256(existing) != request_sha256:
                raise ShipmentKeyReused() from None
            return Response(ShipmentSerializer(existing).data, status=status.HTTP_200_OK)
        return Response(ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)

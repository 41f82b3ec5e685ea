"""Voluntary disclosures over the API, mounted at /api/v1/disclosures/ (namespace
"api:disclosures"): a firm (or its ERP) discloses a breach of its own (FEFTA; domain.md §6), and
lists and reads its own disclosures. Each becomes a violation record marked disclosed on the
ministry's enforcement list, and an event on the audit trail.

Another firm's disclosure, or a record the ministry made, is a 404, never a 403."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from exportctl.api_errors import ErrorResponseSerializer
from exportctl.api_parsers import LimitedJSONParser
from notifications import enforcement
from notifications import enforcement_selectors as selectors
from notifications.api.permissions import IsExporter
from notifications.api.schema import ExporterAutoSchema
from notifications.enforcement_models import ViolationKind, ViolationStatus
from notifications.models import Notification, Permit

DISCLOSURE_ID = OpenApiParameter("disclosure_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class DisclosureSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.ChoiceField(choices=ViolationKind.choices, read_only=True)
    status = serializers.ChoiceField(
        choices=ViolationStatus.choices,
        read_only=True,
        help_text="candidate until the ministry confirms or dismisses it.",
    )
    description = serializers.CharField(read_only=True)
    occurred_on = serializers.DateField(read_only=True, allow_null=True)
    notifications = serializers.SerializerMethodField(help_text="References of the cases.")
    permits = serializers.SerializerMethodField(help_text="Numbers of the permits.")
    created_at = serializers.DateTimeField(read_only=True)

    def get_notifications(self, violation) -> list[str]:
        return [n.reference for n in violation.notifications.all() if n.reference]

    def get_permits(self, violation) -> list[str]:
        return [p.number for p in violation.permits.all()]


class DisclosureCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ViolationKind.choices)
    description = serializers.CharField(max_length=5000)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    notifications = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        max_length=50,
        help_text="References (EXN-…) of your firm's cases concerned.",
    )
    permits = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        max_length=50,
        help_text="Numbers of your firm's permits concerned.",
    )

    def resolve(self, firm) -> tuple[list[Notification], list[Permit]]:
        data = self.validated_data
        notifications = list(
            Notification.objects.filter(firm=firm, reference__in=data["notifications"])
        )
        permits = list(
            Permit.objects.filter(
                notification__firm=firm, number__in=data["permits"]
            ).select_related("notification")
        )
        errors = {}
        if len({n.reference for n in notifications}) != len(set(data["notifications"])):
            errors["notifications"] = [_("No case of your firm has one of these references.")]
        if len({p.number for p in permits}) != len(set(data["permits"])):
            errors["permits"] = [_("No permit of your firm has one of these numbers.")]
        if errors:
            raise serializers.ValidationError(errors)
        return notifications, permits


class NewestFirstCursor(CursorPagination):
    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class _ExporterView(APIView):
    permission_classes = [IsExporter]
    schema = ExporterAutoSchema()
    parser_classes = [LimitedJSONParser]


class DisclosureListCreate(_ExporterView):
    pagination_class = NewestFirstCursor

    @extend_schema(
        operation_id="disclosures_list",
        summary="Your firm's voluntary disclosures, newest first",
        responses=DisclosureSerializer(many=True),
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.disclosures_for(user=request.user), request, self
        )
        return paginator.get_paginated_response(DisclosureSerializer(page, many=True).data)

    @extend_schema(
        operation_id="disclosures_create",
        summary="File a voluntary disclosure",
        description=(
            "Discloses a breach of your own firm (export without a required licence, a late or "
            "missing report, a false declaration, a breach of a permit condition, a shipment "
            "beyond a permit). It becomes a violation record marked as disclosed on the "
            "ministry's enforcement list, with status `candidate` until the ministry confirms or "
            "dismisses it. Cases and permits are named by reference and number; one that is not "
            "your firm's is refused with 400."
        ),
        request=DisclosureCreateSerializer,
        responses={
            201: DisclosureSerializer,
            400: OpenApiResponse(ErrorResponseSerializer, description="Invalid input."),
        },
    )
    def post(self, request):
        serializer = DisclosureCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notifications, permits = serializer.resolve(request.user.firm)
        data = serializer.validated_data
        violation = enforcement.violation_disclose(
            actor=request.user,
            kind=data["kind"],
            description=data["description"],
            occurred_on=data["occurred_on"],
            notifications=notifications,
            permits=permits,
        )
        violation = selectors.access_disclosure_for(
            user=request.user, public_id=violation.public_id
        )
        return Response(DisclosureSerializer(violation).data, status=status.HTTP_201_CREATED)


class DisclosureDetail(_ExporterView):
    @extend_schema(
        operation_id="disclosures_retrieve",
        summary="One voluntary disclosure of your firm",
        parameters=[DISCLOSURE_ID],
        responses=DisclosureSerializer,
    )
    def get(self, request, disclosure_id):
        violation = selectors.access_disclosure_for(user=request.user, public_id=disclosure_id)
        return Response(DisclosureSerializer(violation).data)


app_name = "disclosures"

urlpatterns = [
    path("", DisclosureListCreate.as_view(), name="list"),
    path("<uuid:disclosure_id>/", DisclosureDetail.as_view(), name="detail"),
]

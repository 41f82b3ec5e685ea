"""The exporter's inform notices over the API, mounted at /api/v1/inform-notices/
(namespace "api:inform-notices"): the notices the firm has received, each with its signed letter.

Another firm's notice is a 404, never a 403 (``inform_notice_selectors.access_notice_for``)."""

from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import inform_notice_selectors as selectors
from notifications.api.permissions import IsExporter
from notifications.api.schema import ExporterAutoSchema
from notifications.documents import downloads
from notifications.models import InformSubject

NOTICE_ID = OpenApiParameter("notice_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class InformNoticeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    number = serializers.CharField(read_only=True, help_text="IN-YYYY-NNNNNN, also on the letter.")
    subject_kind = serializers.ChoiceField(choices=InformSubject.choices, read_only=True)
    subject = serializers.CharField(
        read_only=True,
        help_text="The goods or technology, the destination's ISO code, or the end user's name.",
    )
    grounds = serializers.CharField(read_only=True)
    requires_licence = serializers.BooleanField(read_only=True)
    issued_at = serializers.DateTimeField(read_only=True)
    notification = serializers.UUIDField(
        source="notification.public_id",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The filing it was issued from; null when issued on the ministry's initiative.",
    )
    notification_reference = serializers.CharField(
        source="notification.reference", read_only=True, allow_null=True, default=None
    )
    letter_url = serializers.SerializerMethodField(
        help_text="The signed PDF letter; null until it is issued (moments after the notice)."
    )

    def get_letter_url(self, notice) -> str | None:
        if notice.document_id is None:
            return None
        path = reverse("api:inform-notices:download", kwargs={"notice_id": notice.public_id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class NewestFirstCursor(CursorPagination):
    ordering = ("-issued_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class _ExporterView(APIView):
    permission_classes = [IsExporter]
    schema = ExporterAutoSchema()


class InformNoticeList(_ExporterView):
    pagination_class = NewestFirstCursor

    @extend_schema(
        operation_id="inform_notices_list",
        summary="The inform notices your firm has received, newest first",
        responses=InformNoticeSerializer(many=True),
    )
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.notices_for(user=request.user), request, self)
        data = InformNoticeSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class InformNoticeDetail(_ExporterView):
    @extend_schema(
        operation_id="inform_notices_retrieve",
        summary="One inform notice of your firm",
        parameters=[NOTICE_ID],
        responses=InformNoticeSerializer,
    )
    def get(self, request, notice_id):
        notice = selectors.access_notice_for(user=request.user, public_id=notice_id)
        return Response(InformNoticeSerializer(notice, context={"request": request}).data)


class InformNoticeDownload(_ExporterView):
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="inform_notices_download",
        summary="Download the signed letter of an inform notice (PDF)",
        parameters=[NOTICE_ID],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, notice_id):
        return downloads.inform_notice_download(
            actor=request.user,
            door=downloads.Door.EXPORTER_API,
            notice_id=notice_id,
            request=request,
        )


app_name = "inform-notices"

urlpatterns = [
    path("", InformNoticeList.as_view(), name="list"),
    path("<uuid:notice_id>/", InformNoticeDetail.as_view(), name="detail"),
    path("<uuid:notice_id>/download/", InformNoticeDownload.as_view(), name="download"),
]

"""The exporter's REST API under /api/v1/notifications/.

Thin views: each parses its input with a serializer, finds the firm's own notification through
``access_notification_for_exporter`` (another firm's is a 404, never a 403) and calls one service.
Refusals travel as exceptions to ``exportctl.api_errors.exception_handler``.
"""

from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from exportctl.api_errors import ErrorResponseSerializer
from exportctl.api_parsers import LimitedJSONParser
from notifications import drafts, lines, selectors
from notifications.api import filing, idempotency
from notifications.api.filters import NotificationFilter
from notifications.api.permissions import IsExporter
from notifications.api.schema import ExporterAutoSchema
from notifications.api.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ChecklistSerializer,
    DocumentSerializer,
    ItemSerializer,
    MessageSerializer,
    NotificationCreateSerializer,
    NotificationHeaderSerializer,
    NotificationListSerializer,
    NotificationSerializer,
    NotificationStatusSerializer,
    PartySerializer,
    ReplySerializer,
    SubmitSerializer,
    WithdrawSerializer,
)
from notifications.documents import downloads
from notifications.lines import FilingLine
from notifications.models import Attachment, Message, MessageKind
from notifications.services import lifecycle

PUBLIC_ID = OpenApiParameter("public_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class NewestFirstCursor(CursorPagination):
    """Stable pages however many notifications are filed meanwhile (no offsets)."""

    ordering = ("-created_at", "-pk")
    page_size_query_param = "page_size"
    max_page_size = 200


class ExporterAPIView(APIView):
    permission_classes = [IsExporter]
    schema = ExporterAutoSchema()

    def notification(self):
        return selectors.access_notification_for_exporter(
            user=self.request.user, public_id=self.kwargs["public_id"]
        )


def _detail_queryset(queryset):
    return queryset.select_related(
        "copied_from", "prior_report", "prior_report__technology"
    ).prefetch_related(
        "items__key_technology",
        "parties",
        Prefetch("attachments", queryset=Attachment.objects.select_related("message")),
        "documents",
        "permits",
    )


def _detail(notification, request, status_code=status.HTTP_200_OK) -> Response:
    notification = _detail_queryset(type(notification).objects.filter(pk=notification.pk)).get()
    return Response(
        NotificationSerializer(notification, context={"request": request}).data,
        status=status_code,
    )


# --- Notifications ---------------------------------------------------------------------------


class NotificationListCreate(ExporterAPIView, generics.ListAPIView):
    serializer_class = NotificationListSerializer
    pagination_class = NewestFirstCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    parser_classes = [LimitedJSONParser]

    def get_queryset(self):
        return selectors.notification_list_for(user=self.request.user)

    @extend_schema(
        operation_id="notifications_list",
        summary="List the firm's notifications",
        description="Newest first, cursor-paginated (follow `next`).",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="notifications_create",
        summary="Create a draft",
        description=(
            "Creates a draft, optionally with its items, parties and checklist answers; all or "
            "nothing. Send an `Idempotency-Key` header (1–64 printable ASCII characters) to make "
            "retries safe: a retry with the same key and body returns the same draft with 200 "
            "instead of 201; the same key with a different body is refused with 422 "
            "`idempotency_key_reused`."
        ),
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="A unique key per intended notification, chosen by the client.",
            )
        ],
        request=NotificationCreateSerializer,
        responses={
            201: NotificationSerializer,
            200: OpenApiResponse(NotificationSerializer, description="A retry: the same draft."),
            422: OpenApiResponse(
                ErrorResponseSerializer, description="The key was used for another body."
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        key = idempotency.key_from(request)
        request_fingerprint = idempotency.fingerprint(request.data)
        firm_id = request.user.firm_id
        existing = idempotency.existing_draft(firm_id=firm_id, key=key)
        if existing is not None:
            return _detail(idempotency.replay(existing, request_fingerprint), request)
        serializer = NotificationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        items = data.pop("items", [])
        parties = data.pop("parties", [])
        checklist = data.pop("checklist", None)
        prior_report = data.pop("prior_report", None)
        try:
            notification, whole = filing.draft_create_with_parts(
                actor=request.user,
                header=data,
                items=items,
                parties=parties,
                checklist=checklist,
                prior_report=prior_report,
                idempotency_key=key,
                request_fingerprint=request_fingerprint,
            )
        except filing.IdempotentReplay as replay:
            return _detail(idempotency.replay(replay.notification, request_fingerprint), request)
        except IntegrityError:
            # Two requests with one key raced; the other committed first.
            existing = idempotency.existing_draft(firm_id=firm_id, key=key)
            if existing is None:
                raise
            return _detail(idempotency.replay(existing, request_fingerprint), request)
        if not whole:
            return _detail(notification, request, status.HTTP_201_CREATED)
        # A catch-all draft comes back as written (``filing.as_written``): no second read.
        return Response(
            NotificationSerializer(notification, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class NotificationDetail(ExporterAPIView):
    @extend_schema(operation_id="notifications_retrieve", responses=NotificationSerializer)
    def get(self, request, public_id):
        return _detail(self.notification(), request)

    @extend_schema(
        operation_id="notifications_partial_update",
        summary="Change a draft's header fields",
        request=NotificationHeaderSerializer,
        responses=NotificationSerializer,
    )
    def patch(self, request, public_id):
        notification = self.notification()
        serializer = NotificationHeaderSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        header = dict(serializer.validated_data)
        prior_report = header.pop("prior_report", None)
        notification = filing.draft_update_with_details(
            notification=notification, actor=request.user, header=header, prior_report=prior_report
        )
        return _detail(notification, request)


class NotificationStatus(ExporterAPIView):
    @extend_schema(
        operation_id="notifications_status",
        summary="Poll a notification's status",
        responses=NotificationStatusSerializer,
    )
    def get(self, request, public_id):
        notification = self.notification()
        return Response(
            NotificationStatusSerializer(notification, context={"request": request}).data
        )


class NotificationSubmit(ExporterAPIView):
    @extend_schema(
        operation_id="notifications_submit",
        summary="Submit a draft for screening",
        description=(
            "Refused with 409 `not_ready` listing every gap (one error per missing field), or "
            "409 `wrong_state` when the notification is no longer a draft, or 403 `export_ban` "
            "while the firm is under an export ban (the message says until when)."
        ),
        request=SubmitSerializer,
        responses=NotificationStatusSerializer,
    )
    def post(self, request, public_id):
        notification = self.notification()
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notification = lifecycle.notification_submit(
            notification=notification,
            actor=request.user,
            declaration_accepted=serializer.validated_data["declaration_accepted"],
        )
        return Response(
            NotificationStatusSerializer(notification, context={"request": request}).data
        )


class NotificationWithdraw(ExporterAPIView):
    @extend_schema(
        operation_id="notifications_withdraw",
        request=WithdrawSerializer,
        responses=NotificationStatusSerializer,
    )
    def post(self, request, public_id):
        notification = self.notification()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notification = lifecycle.notification_withdraw(
            notification=notification,
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(
            NotificationStatusSerializer(notification, context={"request": request}).data
        )


class NotificationCopy(ExporterAPIView):
    @extend_schema(
        operation_id="notifications_copy",
        summary="Start a new draft from this notification",
        request=None,
        responses={201: NotificationSerializer},
    )
    def post(self, request, public_id):
        copy = drafts.notification_copy(notification=self.notification(), actor=request.user)
        return _detail(copy, request, status.HTTP_201_CREATED)


class NotificationChecklist(ExporterAPIView):
    @extend_schema(
        operation_id="notifications_checklist_update",
        summary="Answer clear-criteria checks",
        description="Checks left out keep their saved answers.",
        request=ChecklistSerializer,
        responses=NotificationSerializer,
    )
    def patch(self, request, public_id):
        notification = self.notification()
        serializer = ChecklistSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notification = drafts.checklist_save(
            notification=notification,
            actor=request.user,
            answers=serializer.validated_data["checklist"],
        )
        return _detail(notification, request)


# --- Items and parties: the lines of a filing (``notifications.lines``) -----------------------


# A filing's lines of one kind: list them, or add one (``drafts.line_add``). (Comments, not
# docstrings: the schema would show a base class's docstring as every operation's description.)
class LineListCreate(ExporterAPIView):
    line: FilingLine
    line_serializer: type[serializers.Serializer]
    #: Related rows the serializer reads, fetched with the lines.
    related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("position", "pk")

    def get(self, request, public_id):
        rows = self.line.lines_of(self.notification())
        rows = rows.select_related(*self.related).order_by(*self.ordering)
        return Response(self.line_serializer(rows, many=True).data)

    def post(self, request, public_id):
        notification = self.notification()
        serializer = self.line_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = drafts.line_add(
            line=self.line,
            notification=notification,
            actor=request.user,
            **serializer.validated_data,
        )
        return Response(self.line_serializer(obj).data, status=status.HTTP_201_CREATED)


# One line of a filing, found under the firm's own notification: read, change, delete.
class LineDetail(ExporterAPIView):
    line: FilingLine
    line_serializer: type[serializers.Serializer]
    related: tuple[str, ...] = ("notification",)
    #: The model field that the URL keyword ``lookup_url_kwarg`` names.
    lookup_field: str
    lookup_url_kwarg: str

    def line_object(self):
        return get_object_or_404(
            self.line.model.objects.select_related(*self.related),
            notification=self.notification(),
            **{self.lookup_field: self.kwargs[self.lookup_url_kwarg]},
        )

    def get(self, request, public_id, **kwargs):
        return Response(self.line_serializer(self.line_object()).data)

    def patch(self, request, public_id, **kwargs):
        obj = self.line_object()
        serializer = self.line_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        obj = drafts.line_update(
            line=self.line, obj=obj, actor=request.user, **serializer.validated_data
        )
        return Response(self.line_serializer(obj).data)

    def delete(self, request, public_id, **kwargs):
        drafts.line_delete(line=self.line, obj=self.line_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(operation_id="items_list", responses=ItemSerializer(many=True)),
    post=extend_schema(
        operation_id="items_create", request=ItemSerializer, responses={201: ItemSerializer}
    ),
)
class ItemListCreate(LineListCreate):
    line = lines.ITEM
    line_serializer = ItemSerializer
    related = ("key_technology",)
    ordering = ("position",)


@extend_schema_view(
    get=extend_schema(operation_id="items_retrieve", responses=ItemSerializer),
    patch=extend_schema(
        operation_id="items_partial_update", request=ItemSerializer, responses=ItemSerializer
    ),
    delete=extend_schema(operation_id="items_destroy", responses={204: None}),
)
class ItemDetail(LineDetail):
    line = lines.ITEM
    line_serializer = ItemSerializer
    related = ("key_technology", "notification")
    lookup_field = "position"
    lookup_url_kwarg = "position"


@extend_schema_view(
    get=extend_schema(operation_id="parties_list", responses=PartySerializer(many=True)),
    post=extend_schema(
        operation_id="parties_create", request=PartySerializer, responses={201: PartySerializer}
    ),
)
class PartyListCreate(LineListCreate):
    line = lines.PARTY
    line_serializer = PartySerializer


@extend_schema_view(
    get=extend_schema(operation_id="parties_retrieve", responses=PartySerializer),
    patch=extend_schema(
        operation_id="parties_partial_update", request=PartySerializer, responses=PartySerializer
    ),
    delete=extend_schema(operation_id="parties_destroy", responses={204: None}),
)
class PartyDetail(LineDetail):
    line = lines.PARTY
    line_serializer = PartySerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "party_id"


# --- Attachments, documents and messages -----------------------------------------------------


class FileDownloadView(ExporterAPIView):
    """Answers with the stored bytes whatever the client accepts; refusals stay JSON."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


def _attachments(notification):
    return notification.attachments.select_related("message", "notification").order_by(
        "created_at", "pk"
    )


class AttachmentListCreate(ExporterAPIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="attachments_list", responses=AttachmentSerializer(many=True))
    def get(self, request, public_id):
        attachments = _attachments(self.notification())
        return Response(
            AttachmentSerializer(attachments, many=True, context={"request": request}).data
        )

    @extend_schema(
        operation_id="attachments_create",
        summary="Upload a document to a draft",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request, public_id):
        notification = self.notification()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = drafts.attachment_add(
            notification=notification,
            actor=request.user,
            kind=serializer.validated_data["kind"],
            uploaded_file=serializer.validated_data["file"],
        )
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentDetail(ExporterAPIView):
    def attachment(self) -> Attachment:
        return get_object_or_404(
            _attachments(self.notification()), public_id=self.kwargs["attachment_id"]
        )

    @extend_schema(operation_id="attachments_retrieve", responses=AttachmentSerializer)
    def get(self, request, public_id, attachment_id):
        return Response(AttachmentSerializer(self.attachment(), context={"request": request}).data)

    @extend_schema(operation_id="attachments_destroy", responses={204: None})
    def delete(self, request, public_id, attachment_id):
        drafts.attachment_delete(attachment=self.attachment(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownload(FileDownloadView):
    @extend_schema(
        operation_id="attachments_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, public_id, attachment_id):
        return downloads.attachment_download(
            actor=request.user,
            door=downloads.Door.EXPORTER_API,
            notification_id=public_id,
            attachment_id=attachment_id,
            request=request,
        )


class DocumentList(ExporterAPIView):
    @extend_schema(operation_id="documents_list", responses=DocumentSerializer(many=True))
    def get(self, request, public_id):
        documents = (
            self.notification().documents.select_related("notification").order_by("issued_at", "pk")
        )
        return Response(DocumentSerializer(documents, many=True, context={"request": request}).data)


class DocumentDownload(FileDownloadView):
    @extend_schema(
        operation_id="documents_download",
        summary="Download an issued receipt, permit or denial letter (PDF)",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def get(self, request, public_id, document_id):
        return downloads.document_download(
            actor=request.user,
            door=downloads.Door.EXPORTER_API,
            notification_id=public_id,
            document_id=document_id,
            request=request,
        )


class MessageListCreate(ExporterAPIView):
    parser_classes = [LimitedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="messages_list",
        summary="The ministry's questions and the firm's replies",
        responses=MessageSerializer(many=True),
    )
    def get(self, request, public_id):
        messages = (
            self.notification()
            .messages.filter(kind__in=[MessageKind.QUESTION, MessageKind.REPLY])
            .prefetch_related(
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.select_related("message", "notification"),
                )
            )
            .order_by("created_at", "pk")
        )
        return Response(MessageSerializer(messages, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="messages_reply",
        summary="Answer the ministry's question",
        description=(
            "Only while the notification is `info_requested`; returns it to review. Send JSON "
            "with `body`, or multipart/form-data with `body` and up to 10 `files`."
        ),
        request={
            "application/json": ReplySerializer,
            "multipart/form-data": ReplySerializer,
        },
        responses={201: MessageSerializer},
    )
    def post(self, request, public_id):
        notification = self.notification()
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kind = serializer.validated_data["kind"]
        message = drafts.reply_with_documents(
            notification=notification,
            actor=request.user,
            body=serializer.validated_data["body"],
            documents=[(kind, upload) for upload in serializer.validated_data.get("files", [])],
        )
        message = Message.objects.prefetch_related(
            Prefetch(
                "attachments", queryset=Attachment.objects.select_related("message", "notification")
            )
        ).get(pk=message.pk)
        return Response(
            MessageSerializer(message, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

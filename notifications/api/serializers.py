"""The exporter's view of a notification, and the shapes of what it may send.

These are the exporter's serializers only (the ministry's live in ``notifications/review_api*``).
They are written field by field on purpose: nothing here reaches internal notes, decisions and who
made them, screening runs or list hits, so an exporter payload can never carry them.
Serializers parse and present; every change goes through a service (``notifications.drafts`` and
``notifications.services``).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from exportctl.countries import CountryCodeField
from notifications.api import formats
from notifications.api.prior_report_serializers import PriorReportSerializer
from notifications.models import (
    AttachmentKind,
    Classification,
    EndUseCategory,
    ItemKind,
    MessageKind,
    PartyKind,
    PartyRole,
)
from notifications.readiness import CHECKLIST_ANSWERS, CHECKLIST_SIZE, readiness_gaps
from notifications.services.offers import firm_actions
from notifications.workflow import (
    AWAITING_EXPORTER_STATUSES,
    AWAITING_MINISTRY_STATUSES,
    AWAITING_SYSTEM_STATUSES,
    EDITABLE_STATUSES,
    Procedure,
    Status,
)
from partners.models import KeyTechnology

CHECKLIST_NOTE_MAX = 1000


def _url(request, name: str, **kwargs) -> str:
    path = reverse(f"api:notifications:{name}", kwargs=kwargs)
    return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(
    {
        "type": "string",
        "description": "One of: " + ", ".join(AttachmentKind.values) + ".",
        "example": AttachmentKind.OTHER.value,
    }
)
class AttachmentKindField(serializers.ChoiceField):
    """The attachment kinds, documented as one enum (on the upload) and as a described string
    elsewhere, so that the schema names a single choice set once."""

    def __init__(self, **kwargs):
        super().__init__(choices=AttachmentKind.choices, **kwargs)


# --- Parts of a notification -----------------------------------------------------------------


class ItemSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        read_only=True, help_text="The item's number within the notification; its address."
    )
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    description = serializers.CharField(max_length=500)
    classification = serializers.ChoiceField(choices=Classification.choices)
    list_row = serializers.CharField(max_length=8, required=False, allow_blank=True)
    item_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    hs_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    key_technology = serializers.SlugRelatedField(
        slug_field="code",
        queryset=KeyTechnology.objects.all(),
        required=False,
        allow_null=True,
        help_text="Code of the key technology, for technology or software items.",
    )
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=0)
    unit = serializers.CharField(max_length=20)
    value_jpy = serializers.IntegerField(min_value=0, help_text="Value in yen.")

    def to_representation(self, item) -> dict:
        """What the declared fields give (tests compare the two), built directly."""
        key_technology = item.key_technology
        quantity = item.quantity
        return {
            "position": formats.integer(item.position),
            "kind": formats.choice(item.kind),
            "description": formats.text(item.description),
            "classification": formats.choice(item.classification),
            "list_row": formats.text(item.list_row),
            "item_code": formats.text(item.item_code),
            "hs_code": formats.text(item.hs_code),
            "key_technology": None if key_technology is None else key_technology.code,
            "quantity": None if quantity is None else formats.QUANTITY.to_representation(quantity),
            "unit": formats.text(item.unit),
            "value_jpy": formats.integer(item.value_jpy),
        }


class PartySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    position = serializers.IntegerField(read_only=True)
    role = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(
        choices=PartyKind.choices,
        default=PartyKind.ORGANIZATION,
        help_text=(
            "Whether the party is a natural person or an organisation (company, university, "
            "agency…); organization when omitted. Screening weighs it against a listed entry's "
            "kind."
        ),
    )
    name = serializers.CharField(max_length=300)
    local_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    country = CountryCodeField()

    def to_representation(self, party) -> dict:
        """What the declared fields give (tests compare the two), built directly."""
        public_id = party.public_id
        return {
            "id": None if public_id is None else str(public_id),
            "position": formats.integer(party.position),
            "role": formats.choice(party.role),
            "kind": formats.choice(party.kind),
            "name": formats.text(party.name),
            "local_name": formats.text(party.local_name),
            "address": formats.text(party.address),
            "country": formats.text(party.country),
        }


class ChecklistAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(
        choices=sorted(CHECKLIST_ANSWERS), allow_blank=True, required=False
    )
    note = serializers.CharField(max_length=CHECKLIST_NOTE_MAX, allow_blank=True, required=False)


def _is_check_number(key) -> bool:
    text = str(key)
    return text.isascii() and text.isdigit()


class ChecklistField(serializers.DictField):
    """{"1": {"answer": "yes", "note": ""}, …} for checks 1–20; checks left out keep their
    saved answers."""

    def __init__(self, **kwargs):
        super().__init__(child=ChecklistAnswerSerializer(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)  # refuses with "not_a_dict"
        errors: dict = {}
        for key in data:
            # ASCII digits only: "²" and "١" pass ``isdigit()`` and then fail ``int()``.
            if not (_is_check_number(key) and 1 <= int(key) <= CHECKLIST_SIZE):
                errors[str(key)] = [
                    ErrorDetail(
                        _("There is no check %(key)s; checks are numbered 1–%(size)s.")
                        % {"key": key, "size": CHECKLIST_SIZE},
                        code="unknown_check",
                    )
                ]
        value = {}
        try:
            value = super().to_internal_value(
                {key: answer for key, answer in data.items() if str(key) not in errors}
            )
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        return {str(int(key)): dict(answer) for key, answer in value.items()}


#: ``NotificationSerializer.checklist``'s field, unbound and kept: its answer serializer's fields
#: are copied once per process instead of once per response.
_CHECKLIST = serializers.DictField(child=ChecklistAnswerSerializer(), read_only=True)


class ChecklistSerializer(serializers.Serializer):
    checklist = ChecklistField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = AttachmentKindField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    message = serializers.UUIDField(
        source="message.public_id", read_only=True, allow_null=True, default=None
    )
    created_at = serializers.DateTimeField(read_only=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        return _url(
            self.context.get("request"),
            "attachment-download",
            public_id=attachment.notification.public_id,
            attachment_id=attachment.public_id,
        )


class AttachmentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    file = serializers.FileField(help_text="PDF, PNG, JPEG or XLSX; checked by content.")


class DocumentSerializer(serializers.Serializer):
    """An issued receipt, permit or denial letter (the stored PDF is the record). A receipt's PDF
    is made on its first download: until then ``rendered`` is false and ``size`` and ``sha256``
    are null."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True)
    issued_at = serializers.DateTimeField(read_only=True)
    rendered = serializers.BooleanField(read_only=True)
    size = serializers.IntegerField(read_only=True, allow_null=True)
    sha256 = serializers.CharField(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, document) -> str:
        return _document_url(self.context.get("request"), document)

    def to_representation(self, document) -> dict:
        """What the declared fields give (tests compare the two), built directly."""
        return _document(document, self.context.get("request"))


def _document_url(request, document) -> str:
    return _url(
        request,
        "document-download",
        public_id=document.notification.public_id,
        document_id=document.public_id,
    )


def _document(document, request) -> dict:
    """``DocumentSerializer``'s representation."""
    public_id = document.public_id
    return {
        "id": None if public_id is None else str(public_id),
        "kind": formats.text(document.kind),
        "number": formats.text(document.number),
        "issued_at": formats.datetime(document.issued_at),
        "rendered": formats.boolean(document.rendered),
        "size": formats.integer(document.size),
        "sha256": formats.text(document.sha256),
        "download_url": _document_url(request, document),
    }


class PermitSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    valid_from = serializers.DateField(read_only=True)
    valid_until = serializers.DateField(read_only=True)
    conditions = serializers.CharField(read_only=True)

    def to_representation(self, permit) -> dict:
        """What the declared fields give (tests compare the two), built directly."""
        return {
            "number": formats.text(permit.number),
            "status": formats.text(permit.status),
            "valid_from": formats.date(permit.valid_from),
            "valid_until": formats.date(permit.valid_until),
            "conditions": formats.text(permit.conditions),
        }


class MessageSerializer(serializers.Serializer):
    """A question from the ministry or the firm's reply. The ministry speaks as the ministry:
    no reviewer is named."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.ChoiceField(
        choices=[
            (MessageKind.QUESTION, MessageKind.QUESTION.label),
            (MessageKind.REPLY, MessageKind.REPLY.label),
        ],
        read_only=True,
    )
    sender = serializers.SerializerMethodField()
    body = serializers.CharField(read_only=True)
    due_on = serializers.DateField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    @extend_schema_field(serializers.ChoiceField(choices=["ministry", "firm"]))
    def get_sender(self, message) -> str:
        return "ministry" if message.kind == MessageKind.QUESTION else "firm"


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, trim_whitespace=True)
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text="Documents for the reply (multipart/form-data); PDF, PNG, JPEG or XLSX.",
    )
    kind = AttachmentKindField(
        default=AttachmentKind.OTHER, help_text="Kind of the attached documents."
    )


# --- The notification ------------------------------------------------------------------------


class NotificationHeaderSerializer(serializers.Serializer):
    """The fields of a draft the exporter writes (PATCH sends any subset)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    destination_country = CountryCodeField(required=False, allow_blank=True)
    end_use_description = serializers.CharField(required=False, allow_blank=True)
    end_use_category = serializers.ChoiceField(
        choices=EndUseCategory.choices, required=False, allow_blank=True
    )
    inform_notice_received = serializers.BooleanField(required=False)
    inform_notice = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=(
            "The inform notice your firm received that concerns this transaction: the `id` of "
            "one of your firm's notices (GET /api/v1/inform-notices/). Another firm's notice, "
            "or an unknown id, is refused. Setting it sets `inform_notice_received`; a filing "
            "a notice covers is never cleared automatically."
        ),
    )
    planned_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=(
            "Planned export or transfer date (YYYY-MM-DD); required to submit. A date already "
            "past, or fewer working days away than the ministry's review needs, flags the filing "
            "as late."
        ),
    )
    prior_report = PriorReportSerializer(
        required=False,
        help_text="The details of a key-technology prior report (only with `prior_report`).",
    )


class NotificationCreateSerializer(NotificationHeaderSerializer):
    """A new draft, optionally with its items, parties and checklist answers in one request.
    A key-technology prior report (``procedure: prior_report``) carries ``prior_report`` instead
    of items and checklist answers; the recipient is its ``end_user`` party."""

    procedure = serializers.ChoiceField(
        choices=Procedure.choices,
        default=Procedure.CATCH_ALL,
        help_text=(
            "`catch_all` (default): an advance notification of goods or technology. "
            "`prior_report`: a prior report on a key technology transfer (FEFTA Art. 55-8); "
            "it is never answered with a permit: the ministry closes it (you may proceed) or "
            "issues an inform notice, after which a licence application follows. Fixed at "
            "creation."
        ),
    )

    #: Every draft is named, in the browser and over the API alike (``drafts.draft_create``).
    title = serializers.CharField(
        max_length=200,
        help_text="A short name your firm will recognise, e.g. the order or project. Required.",
    )
    items = ItemSerializer(many=True, required=False)
    parties = PartySerializer(many=True, required=False)
    checklist = ChecklistField(required=False)


class GapSerializer(serializers.Serializer):
    step = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()


class NotificationListSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    reference = serializers.CharField(read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    procedure = serializers.ChoiceField(choices=Procedure.choices, read_only=True)
    destination_country = serializers.CharField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, notification) -> str:
        return _url(self.context.get("request"), "detail", public_id=notification.public_id)

    def to_representation(self, notification) -> dict:
        """What the declared fields give (tests compare the two), built directly."""
        public_id = notification.public_id
        return {
            "id": None if public_id is None else str(public_id),
            "reference": formats.text(notification.reference),
            "title": formats.text(notification.title),
            "status": formats.choice(notification.status),
            "status_label": formats.text(notification.get_status_display()),
            "procedure": formats.choice(notification.procedure),
            "destination_country": formats.text(notification.destination_country),
            "submitted_at": formats.datetime(notification.submitted_at),
            "decided_at": formats.datetime(notification.decided_at),
            "created_at": formats.datetime(notification.created_at),
            "updated_at": formats.datetime(notification.updated_at),
            "url": self.get_url(notification),
        }


class NotificationSerializer(NotificationListSerializer):
    end_use_description = serializers.CharField(read_only=True)
    end_use_category = serializers.CharField(read_only=True)
    inform_notice_received = serializers.BooleanField(read_only=True)
    inform_notice_reference = serializers.CharField(read_only=True)
    inform_notice = serializers.UUIDField(
        source="inform_notice.public_id", read_only=True, allow_null=True, default=None
    )
    planned_date = serializers.DateField(read_only=True, allow_null=True)
    planned_date_late = serializers.BooleanField(
        read_only=True,
        help_text="Set at submission: the planned date was past or too close for the review.",
    )
    checklist = serializers.DictField(child=ChecklistAnswerSerializer(), read_only=True)
    copied_from = serializers.UUIDField(
        source="copied_from.public_id", read_only=True, allow_null=True, default=None
    )
    items = ItemSerializer(many=True, read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    permits = PermitSerializer(many=True, read_only=True)
    readiness = serializers.SerializerMethodField()
    prior_report = serializers.SerializerMethodField()

    def to_representation(self, notification) -> dict:
        """What the declared fields give (tests compare the two on drafts, cleared filings with
        documents and permits, and copies), built directly: every create and
        change answers with it."""
        request = self.context.get("request")
        inform_notice = notification.inform_notice
        copied_from = notification.copied_from
        checklist = notification.checklist
        item = ItemSerializer().to_representation
        party = PartySerializer().to_representation
        permit = PermitSerializer().to_representation
        row = NotificationListSerializer.to_representation(self, notification)
        row.update(
            {
                "end_use_description": formats.text(notification.end_use_description),
                "end_use_category": formats.text(notification.end_use_category),
                "inform_notice_received": formats.boolean(notification.inform_notice_received),
                "inform_notice_reference": formats.text(notification.inform_notice_reference),
                "inform_notice": None if inform_notice is None else str(inform_notice.public_id),
                "planned_date": formats.date(notification.planned_date),
                "planned_date_late": formats.boolean(notification.planned_date_late),
                "checklist": None if checklist is None else _CHECKLIST.to_representation(checklist),
                "copied_from": None if copied_from is None else str(copied_from.public_id),
                "items": [item(i) for i in notification.items.all()],
                "parties": [party(p) for p in notification.parties.all()],
                "attachments": self.get_attachments(notification),
                "documents": [_document(d, request) for d in notification.documents.all()],
                "permits": [permit(p) for p in notification.permits.all()],
                "readiness": self.get_readiness(notification),
                "prior_report": self.get_prior_report(notification),
            }
        )
        return row

    @extend_schema_field(PriorReportSerializer(allow_null=True))
    def get_prior_report(self, notification):
        """The prior report's details; null for a catch-all notification."""
        if notification.procedure != Procedure.PRIOR_REPORT:
            return None
        details = getattr(notification, "prior_report", None)
        return PriorReportSerializer(details).data if details is not None else None

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, notification):
        """The draft's documents; those sent with a reply are listed with their message."""
        attachments = [a for a in notification.attachments.all() if a.message_id is None]
        return AttachmentSerializer(attachments, many=True, context=self.context).data

    @extend_schema_field(GapSerializer(many=True))
    def get_readiness(self, notification):
        """What a draft still lacks before it can be submitted (empty once it is ready)."""
        if notification.status not in EDITABLE_STATUSES:
            return []
        return [
            {"step": gap.step, "field": gap.field, "message": str(gap.message)}
            for gap in readiness_gaps(notification)
        ]


class OpenQuestionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    body = serializers.CharField()
    due_on = serializers.DateField()


class AgreedDeclarationSerializer(serializers.Serializer):
    """The declaration the person agreed to on submitting, word for word."""

    version = serializers.CharField(source="declaration_version", read_only=True)
    language = serializers.CharField(source="declaration_language", read_only=True)
    text = serializers.CharField(source="declaration_text", read_only=True)
    accepted_at = serializers.DateTimeField(source="declaration_accepted_at", read_only=True)

    def to_representation(self, notification) -> dict:
        """What the declared fields give (tests compare the two), built directly."""
        return {
            "version": formats.text(notification.declaration_version),
            "language": formats.text(notification.declaration_language),
            "text": formats.text(notification.declaration_text),
            "accepted_at": formats.datetime(notification.declaration_accepted_at),
        }


class NotificationStatusSerializer(serializers.Serializer):
    """A small payload for polling: where the notification is and what the firm may do next."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    reference = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    waiting_on = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    open_question = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    declaration = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)

    @extend_schema_field(AgreedDeclarationSerializer(allow_null=True))
    def get_declaration(self, notification) -> dict | None:
        if not notification.declaration_version:
            return None
        return AgreedDeclarationSerializer(notification).data

    @extend_schema_field(
        serializers.ChoiceField(choices=["firm", "ministry", "screening"], allow_null=True)
    )
    def get_waiting_on(self, notification) -> str | None:
        if notification.status in AWAITING_EXPORTER_STATUSES:
            return "firm"
        if notification.status in AWAITING_SYSTEM_STATUSES:
            return "screening"
        if notification.status in AWAITING_MINISTRY_STATUSES:
            return "ministry"
        return None

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=["edit", "submit", "respond", "withdraw", "copy"])
        )
    )
    def get_actions(self, notification) -> list[str]:
        """The moves the table allows this firm user now (``services.firm_actions``)."""
        request = self.context.get("request")
        return firm_actions(notification, getattr(request, "user", None))

    @extend_schema_field(OpenQuestionSerializer(allow_null=True))
    def get_open_question(self, notification):
        if notification.status != Status.INFO_REQUESTED:
            return None
        question = (
            notification.messages.filter(kind=MessageKind.QUESTION)
            .order_by("-created_at", "-pk")
            .first()
        )
        return OpenQuestionSerializer(question).data if question is not None else None

    def to_representation(self, notification) -> dict:
        """What the declared fields give (tests compare the two in several states), built
        directly: the ERP polls this and every submit answers with it."""
        request = self.context.get("request")
        public_id = notification.public_id
        return {
            "id": None if public_id is None else str(public_id),
            "reference": formats.text(notification.reference),
            "status": formats.choice(notification.status),
            "status_label": formats.text(notification.get_status_display()),
            "waiting_on": self.get_waiting_on(notification),
            "actions": self.get_actions(notification),
            "open_question": self.get_open_question(notification),
            "submitted_at": formats.datetime(notification.submitted_at),
            "decided_at": formats.datetime(notification.decided_at),
            "updated_at": formats.datetime(notification.updated_at),
            "declaration": self.get_declaration(notification),
            "documents": [_document(d, request) for d in notification.documents.all()],
        }


class SubmitSerializer(serializers.Serializer):
    declaration_accepted = serializers.BooleanField(
        help_text=(
            "The person declares the filing true and complete (required: true), agreeing to the "
            "current declaration text, including the penalty warning: see `declaration_version`."
        )
    )
    declaration_version = serializers.CharField(
        required=False,
        max_length=20,
        help_text=(
            "The version of the declaration the person was shown (optional). When given it must be "
            "the current version, so that a client showing an outdated text is refused (400)."
        ),
    )

    def validate_declaration_version(self, value):
        from notifications import declaration

        if value != declaration.DECLARATION_VERSION:
            raise serializers.ValidationError(
                _("The declaration has changed: the current version is %(version)s.")
                % {"version": declaration.DECLARATION_VERSION}
            )
        return value


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

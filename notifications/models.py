import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from exportctl.base_models import TimeStamped, country_code_validator  # noqa: F401 (re-export)
from exportctl.countries import validate_country_code
from notifications.workflow import (
    ALLOWED_TRANSITIONS,
    AWAITING_MINISTRY_STATUSES,
    OPEN_STATUSES,
    Move,
    PermitStatus,
    Procedure,
    Status,
)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class EndUseCategory(models.TextChoices):
    INDUSTRIAL = "industrial", _("Industrial production")
    RESEARCH = "research", _("Research and development")
    ENERGY = "energy", _("Energy")
    MEDICAL = "medical", _("Medical")
    TELECOMMUNICATIONS = "telecommunications", _("Telecommunications")
    TRANSPORT = "transport", _("Transport")
    CONSUMER = "consumer", _("Consumer products")
    GOVERNMENT = "government", _("Government (non-military)")
    MILITARY = "military", _("Military or defence")
    OTHER = "other", _("Other")


class RiskLevel(models.TextChoices):
    """A filing's risk as its screening assessed it (``screening.rules``); kept on the filing, so
    the queue, four eyes and the pages read it without asking screening."""

    LOW = "low", _("Low")
    ELEVATED = "elevated", _("Elevated")
    HIGH = "high", _("High")
    PROHIBITED = "prohibited", _("Prohibited")


#: Risk levels from most to least severe.
RISK_ORDER = tuple(reversed(RiskLevel.values))
#: The statuses of the reviewer's queue: a case with an open review — waiting on a ministry person
#: (``workflow.AWAITING_MINISTRY_STATUSES``) or on the exporter's answer to the ministry's question.
#: In the order of ``Status`` (the queue's filter lists them so, and its partial index too).
QUEUE_STATUSES = tuple(
    status
    for status in Status
    if status in AWAITING_MINISTRY_STATUSES
    or status == ALLOWED_TRANSITIONS[Move.REQUEST_INFO].target
)


def risk_rank() -> models.Case:
    """The queue's sort key: higher is more severe; unscreened cases rank last. The queue's
    partial index is built on this very expression, so the planner can walk it in order."""
    return models.Case(
        *(
            models.When(risk_level=level, then=models.Value(len(RISK_ORDER) - i))
            for i, level in enumerate(RISK_ORDER)
        ),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )


class Notification(TimeStamped):
    """An advance notification filed by a firm before an export or technology transfer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(
        _("reference"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Assigned on submission."),
    )
    firm = models.ForeignKey(
        "accounts.Firm", on_delete=models.PROTECT, related_name="notifications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    #: Set when the draft is made and never changed: it decides the moves the filing may make
    #: (``workflow.ALLOWED_TRANSITIONS``) and, for a prior report, its details
    #: (``PriorReportDetails``).
    procedure = models.CharField(
        _("procedure"),
        max_length=16,
        choices=Procedure.choices,
        default=Procedure.CATCH_ALL,
        editable=False,
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    destination_country = models.CharField(
        _("destination country"), max_length=2, blank=True, validators=[validate_country_code]
    )
    end_use_description = models.TextField(_("end use"), blank=True)
    end_use_category = models.CharField(
        _("end-use category"), max_length=24, choices=EndUseCategory.choices, blank=True
    )
    inform_notice_received = models.BooleanField(
        _("an inform notice from the ministry was received"), default=False
    )
    inform_notice_reference = models.CharField(
        _("inform notice reference"), max_length=100, blank=True
    )
    #: The notice the firm says covers this filing: one its firm actually received (validated in
    #: the form, the serializer and ``drafts``), never a reference typed freely.
    inform_notice = models.ForeignKey(
        "InformNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filings",
        verbose_name=_("inform notice"),
    )
    #: When the goods leave or the technology is transferred: what makes a notification "advance".
    #: Required to submit (``readiness``); a date too close for the ministry's review is flagged.
    planned_date = models.DateField(_("planned export or transfer date"), null=True, blank=True)
    #: Fixed at submission (``notifications.planning``): the planned date was already past, or
    #: too close for the ministry's review. Stored so that the queue can filter on an index.
    planned_date_late = models.BooleanField(_("filed late"), default=False, editable=False)
    #: Answers to the 20 clear-criteria checks: {"1": {"answer": "yes|no|unknown", "note": "…"}}.
    checklist = models.JSONField(_("clear-criteria checklist"), default=dict, blank=True)
    declaration_accepted_at = models.DateTimeField(null=True, blank=True)
    #: The declaration the person agreed to on submitting (``notifications.declaration``): its
    #: version, the exact text shown to them and the language it was shown in.
    declaration_version = models.CharField(
        _("declaration version"), max_length=20, blank=True, editable=False
    )
    declaration_text = models.TextField(_("declaration text"), blank=True, editable=False)
    declaration_language = models.CharField(max_length=8, blank=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Kept from the latest screening run so the queue can sort 100k cases by risk on an index.
    risk_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    risk_level = models.CharField(max_length=16, blank=True, db_index=True)
    #: A reviewer has confirmed a list hit of any screening run of this case: its approval needs a
    #: countersignature (four eyes, ``services.needs_countersignature``). Written by screening
    #: whenever a hit is adjudicated (``screening.services.hit_adjudicate``); a new run's hits
    #: are unadjudicated, so a run never changes it.
    has_confirmed_hit = models.BooleanField(default=False, editable=False)
    # The API client's Idempotency-Key on create: a retried POST finds the draft it already made.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["firm", "status", "-created_at"]),
            # The review queue's default order (risk, then age) read straight off an index, so
            # the first page of 100,000 open cases costs a few rows, not a sort of all of them.
            models.Index(
                risk_rank().desc(),
                models.F("risk_score").desc(),
                models.F("submitted_at"),
                models.F("id"),
                name="notification_queue_risk_order",
                condition=models.Q(status__in=QUEUE_STATUSES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="notification_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(procedure__in=Procedure.values),
                name="notification_procedure_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=Status.DRAFT)
                | (models.Q(submitted_at__isnull=False) & models.Q(reference__isnull=False)),
                name="notification_submitted_has_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(risk_score__isnull=True) | models.Q(risk_score__lte=100),
                name="notification_risk_score_range",
            ),
            models.UniqueConstraint(
                fields=["firm", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="notification_idempotency_key_unique_per_firm",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or _("Draft %(id)s") % {"id": str(self.public_id)[:8]}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ItemKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    TECHNOLOGY = "technology", _("Technology")
    SOFTWARE = "software", _("Software")


class Classification(models.TextChoices):
    LIST_CONTROL = "list", _("Listed (rows 1–15)")
    SPECIFIED_16_1 = "16_1", _("Row 16(1) specified item")
    OTHER_16_2 = "16_2", _("Row 16(2)")
    NOT_APPLICABLE = "na", _("Not applicable (outside row 16)")


class Item(TimeStamped):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    description = models.CharField(_("description"), max_length=500)
    classification = models.CharField(
        _("classification"), max_length=8, choices=Classification.choices
    )
    list_row = models.CharField(
        _("list row"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^(1[0-5]|[1-9]|3-2)$", _("Rows are 1–15 or 3-2."))],
    )
    item_code = models.CharField(_("item code"), max_length=40, blank=True)
    hs_code = models.CharField(
        _("HS code"),
        max_length=12,
        blank=True,
        validators=[
            RegexValidator(r"^[0-9]{4}(\.?[0-9]{2}){0,3}$", _("Use an HS code such as 8456.11."))
        ],
    )
    key_technology = models.ForeignKey(
        "partners.KeyTechnology",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("key technology"),
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=14, decimal_places=3, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=20)
    value_jpy = models.PositiveBigIntegerField(_("value (JPY)"))

    class Meta:
        ordering = ["notification", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(classification="list") | ~models.Q(list_row=""),
                name="item_listed_needs_row",
            ),
            models.CheckConstraint(
                condition=~models.Q(classification="16_1") | ~models.Q(hs_code=""),
                name="item_16_1_needs_hs_code",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="item_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class PartyRole(models.TextChoices):
    END_USER = "end_user", _("End user")
    CONSIGNEE = "consignee", _("Consignee")
    INTERMEDIARY = "intermediary", _("Intermediary")
    PURCHASER = "purchaser", _("Purchaser")


class PartyKind(models.TextChoices):
    """Whether a party is a natural person or a body (company, university, agency...).

    Screening weighs it against a listed entry's kind: a person seldom matches a company."""

    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organisation or company")


class Party(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="parties")
    position = models.PositiveSmallIntegerField(default=1)
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    kind = models.CharField(
        _("kind"), max_length=16, choices=PartyKind.choices, default=PartyKind.ORGANIZATION
    )
    name = models.CharField(_("name"), max_length=300)
    local_name = models.CharField(_("name in the local script"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country_code])

    class Meta:
        ordering = ["notification", "position", "pk"]
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["notification"],
                condition=models.Q(role="end_user"),
                name="party_one_end_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AttachmentKind(models.TextChoices):
    CONTRACT = "contract", _("Contract or purchase order")
    SPECIFICATION = "specification", _("Specifications")
    CLASSIFICATION_SHEET = "classification_sheet", _("Classification sheet")
    END_USER_PLEDGE = "end_user_pledge", _("End-user pledge")
    OTHER = "other", _("Other")


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never comes from the uploader; the original name is kept as data only.
    return f"attachments/{instance.notification.public_id}/{instance.public_id}"


class Attachment(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        "Message", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["notification", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__lte=MAX_ATTACHMENT_BYTES), name="attachment_max_size"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    content_type__in=[
                        "application/pdf",
                        "image/png",
                        "image/jpeg",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ]
                ),
                name="attachment_allowed_type",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question from the ministry")
    REPLY = "reply", _("Reply from the exporter")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    INFORM_NOTICE = "inform_notice", _("Inform notice from the ministry")


class Message(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    due_on = models.DateField(_("reply due by"), null=True, blank=True)

    class Meta:
        ordering = ["notification", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="question") | models.Q(due_on__isnull=False),
                name="message_question_has_due_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


class Review(TimeStamped):
    """One round of ministry review, from referral to decision. At most one is open at a time."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="reviews")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    #: End of the standard processing period, in working days (``notifications.calendar``);
    #: pushed back by the working days the exporter took to answer a request for information.
    due_on = models.DateField(_("due by"), null=True, blank=True, db_index=True)
    #: Set while the case waits on the exporter (info_requested): the clock is stopped.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["notification", "opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification"],
                condition=models.Q(closed_at__isnull=True),
                name="review_one_open_per_notification",
            ),
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=True) | models.Q(claimed_at__isnull=False),
                name="review_assignee_has_claimed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification} review {self.opened_at:%Y-%m-%d}"


class DecisionKind(models.TextChoices):
    REQUEST_INFO = "request_info", _("Information requested")
    APPROVE = "approve", _("Approved")
    APPROVE_FOR_COUNTERSIGN = "approve_for_countersign", _("Approved, pending countersignature")
    COUNTERSIGN = "countersign", _("Countersigned")
    RETURN = "return", _("Returned to review")
    DENY = "deny", _("Denied")
    DENY_FOR_COUNTERSIGN = "deny_for_countersign", _("Denied, pending countersignature")
    INFORM = "inform", _("Inform notice: a licence is required")
    NO_LICENCE_REQUIRED = "no_licence_required", _("No licence required — you may proceed")


class Decision(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="decisions"
    )
    kind = models.CharField(max_length=32, choices=DecisionKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )

    class Meta:
        ordering = ["notification", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(
                    kind__in=[
                        "deny",
                        "deny_for_countersign",
                        "return",
                        "inform",
                        "no_licence_required",
                    ]
                )
                | ~models.Q(reason=""),
                name="decision_grounds_required",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class ChecklistNote(TimeStamped):
    """A reviewer's note on one checklist answer of the exporter (いいえ or 不明): what the
    reviewer found out about it. An approval is refused while any 不明 answer has none, so that
    an unknown is never waved through unexplained. Ministry-internal, like internal notes; one per
    checklist item, rewritten (and audited) when the reviewer changes it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="checklist_notes"
    )
    number = models.PositiveSmallIntegerField(_("checklist item"))
    body = models.TextField(_("reviewer's note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "number"], name="checklist_note_one_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1) & models.Q(number__lte=20),
                name="checklist_note_item_in_range",
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="checklist_note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.notification} #{self.number}"


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    PERMIT = "permit", _("Permit")
    DENIAL_LETTER = "denial_letter", _("Denial letter")
    NO_LICENCE_LETTER = "no_licence_letter", _("No-licence-required letter")
    INFORM_NOTICE = "inform_notice", _("Inform notice")


def document_path(instance: "Document", filename: str) -> str:
    return f"documents/{instance.kind}/{instance.public_id}.pdf"


class Document(TimeStamped):
    """An issued document. Its PDF is rendered once and never regenerated: the stored bytes are
    the record.

    A receipt is issued in the transaction that clears its case, with its content frozen
    (``content``, whose SHA-256 is ``content_sha256``), and its PDF is made from that content when
    it is first downloaded; until then ``file``, ``sha256`` and ``size`` are empty. Every other
    kind is rendered when it is issued."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    #: Empty only for an inform notice the ministry issued on its own initiative (no filing).
    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=32, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=16)
    file = models.FileField(upload_to=document_path, max_length=200, blank=True)
    #: The PDF's digest and size; empty until a frozen document is first rendered.
    sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    template_version = models.CharField(max_length=32)
    issued_at = models.DateTimeField()
    #: What a document rendered on first download says, fixed at issue (``content.freeze``).
    content = models.JSONField(null=True, blank=True, editable=False)
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["notification", "issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(notification__isnull=False) | models.Q(kind="inform_notice"),
                name="document_has_notification_unless_inform_notice",
            ),
            # A document is either rendered (its PDF's digest and size known) or waits, frozen,
            # for its first download; never neither.
            models.CheckConstraint(
                condition=models.Q(sha256__isnull=False, size__isnull=False)
                | models.Q(content__isnull=False) & ~models.Q(content_sha256=""),
                name="document_rendered_or_frozen",
            ),
        ]

    @property
    def rendered(self) -> bool:
        return self.sha256 is not None

    @property
    def firm(self):
        """The firm the document is for: its case's, or its notice's (an inform notice the
        ministry issued on its own initiative has no case)."""
        if self.notification_id is not None:
            return self.notification.firm
        return self.inform_notice.firm

    def __str__(self) -> str:
        return self.number


class DocumentCounter(TimeStamped):
    """The last serial issued for one kind of document in one year.

    Each kind counts on its own from 1 every year, so numbers say how many of that kind were
    issued (the first denial letter is DN-2026-000001, whatever else was issued before it). The
    row is locked (``select_for_update``) by the transaction that takes a number and released at
    its commit, so two issuers never take the same serial, and a rolled-back issue leaves no gap.
    """

    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "year"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="document_counter_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(kind__in=DocumentKind.values), name="document_counter_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Permit(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="permits")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="permit")
    number = models.CharField(_("permit number"), max_length=32, unique=True)
    status = models.CharField(
        max_length=12, choices=PermitStatus.choices, default=PermitStatus.VALID
    )
    status_reason = models.TextField(blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="permit"
    )

    class Meta:
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification"],
                condition=models.Q(status=PermitStatus.VALID),
                name="permit_one_valid_per_notification",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="permit_validity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PermitStatus.values), name="permit_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class InformSubject(models.TextChoices):
    """What an inform notice is about (domain.md §0, §10 rule 4): a licence is required for
    exports of these goods or this technology, to this destination, or to this end user."""

    GOODS = "goods", _("Goods")
    TECHNOLOGY = "technology", _("Technology")
    DESTINATION = "destination", _("Destination")
    END_USER = "end_user", _("End user")


class InformNotice(TimeStamped):
    """An inform notice (インフォーム通知): the ministry tells a firm that a licence (FEFTA Art. 48
    for goods, Art. 25 for technology) is required, whatever the catch-all tests say. Issued from
    a case under review, or on the ministry's own initiative about goods, a technology, a
    destination or an end user in general. It has its own number series (IN-) and a signed,
    verifiable letter; a filing the notice covers is never cleared without a reviewer."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("number"), max_length=32, unique=True)
    firm = models.ForeignKey(
        "accounts.Firm", on_delete=models.PROTECT, related_name="inform_notices"
    )
    subject_kind = models.CharField(_("subject"), max_length=16, choices=InformSubject.choices)
    #: The goods or technology described, the destination's ISO code, or the end user's name.
    subject = models.CharField(_("subject details"), max_length=500)
    grounds = models.TextField(_("grounds"))
    notification = models.ForeignKey(
        Notification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inform_notices_issued",
        verbose_name=_("case"),
        help_text=_("Empty when the ministry issued the notice on its own initiative."),
    )
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="inform_notice"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    requires_licence = models.BooleanField(_("a licence is required"), default=True)
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="inform_notice"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("inform notice")
        verbose_name_plural = _("inform notices")
        indexes = [models.Index(fields=["firm", "-issued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject_kind__in=InformSubject.values),
                name="inform_notice_subject_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(subject="") & ~models.Q(grounds=""),
                name="inform_notice_subject_and_grounds_required",
            ),
        ]

    def __str__(self) -> str:
        return self.number


# The prior report's own details live in a module of their own; imported here so Django sees them.
from notifications.enforcement_models import Sanction, Violation, ViolationEvidence  # noqa: E402, F401, I001
from notifications.prior_report_models import PriorReportDetails  # noqa: E402, F401
from notifications.shipment_models import Shipment, ShipmentLine  # noqa: E402, F401, I001

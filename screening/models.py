import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications.models import RiskLevel, TimeStamped


class Outcome(models.TextChoices):
    CLEARED = "cleared", _("Cleared")
    REVIEW = "review", _("Review")


class Trigger(models.TextChoices):
    SUBMISSION = "submission", _("Submission")
    LIST_PUBLICATION = "list_publication", _("List publication")
    MANUAL = "manual", _("Re-run by a reviewer")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class ScreeningRun(TimeStamped):
    """One screening of one notification against one list version and one ruleset version."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.CASCADE, related_name="screening_runs"
    )
    list_version = models.ForeignKey(
        "partners.ListVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruleset_version = models.CharField(max_length=32)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    #: Distinguishes repeated triggers of one kind (the publication or re-run request id).
    trigger_ref = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    level = models.CharField(max_length=12, choices=RiskLevel.choices, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    #: Every factor that contributed: [{"rule": …, "weight": …, "evidence": {…}}, …].
    factors = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notification", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "notification",
                    "list_version",
                    "ruleset_version",
                    "trigger",
                    "trigger_ref",
                ],
                name="screeningrun_idempotent",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed")
                | (models.Q(score__isnull=False) & ~models.Q(level="") & ~models.Q(outcome="")),
                name="screeningrun_completed_has_result",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100),
                name="screeningrun_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification} {self.trigger} {self.created_at:%Y-%m-%d %H:%M}"


class Disposition(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed match")
    FALSE_POSITIVE = "false_positive", _("False positive")


class PartyHit(TimeStamped):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="hits")
    party = models.ForeignKey("notifications.Party", on_delete=models.CASCADE, related_name="hits")
    entry = models.ForeignKey("partners.ListedEntry", on_delete=models.PROTECT, related_name="hits")
    score = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    matched_name = models.CharField(max_length=500)
    explanation = models.JSONField(default=dict)
    disposition = models.CharField(
        max_length=16, choices=Disposition.choices, default=Disposition.PENDING
    )
    disposition_reason = models.TextField(blank=True)
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adjudicated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "party", "entry"], name="hit_unique_per_run"),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=1), name="hit_score_range"
            ),
            models.CheckConstraint(
                condition=models.Q(disposition="pending")
                | (models.Q(adjudicated_by__isnull=False) & ~models.Q(disposition_reason="")),
                name="hit_adjudication_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} ~ {self.entry}"


class PartySearchKey(models.Model):
    """One key under which a submitted party's name is found by the auditor's search.

    The keys are ``screening.matching.search.index_keys`` of the party's name and local-script
    name: normalised tokens, their Metaphone keys and consonant skeletons, the glued name and CJK
    bigrams. They are derived data, written when the party's case is first screened and rebuilt
    by ``manage.py party_search_keys`` after the normaliser changes; so they carry no timestamps
    and no audit event. The (key, notification, party) index answers "which parties have any of
    these keys, among these cases" without reading a party's name.
    """

    party = models.ForeignKey(
        "notifications.Party", on_delete=models.CASCADE, related_name="search_keys"
    )
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=64)

    class Meta:
        ordering = ["party", "key"]
        constraints = [
            models.UniqueConstraint(fields=["party", "key"], name="party_search_key_unique"),
        ]
        indexes = [
            models.Index(fields=["key", "notification", "party"], name="party_search_key_lookup"),
        ]

    def __str__(self) -> str:
        return self.key


def self_check_record_path(instance: "SelfCheckRecord", filename: str) -> str:
    return f"self-checks/{instance.firm_id}/{instance.public_id}.pdf"


class SelfCheckCounter(TimeStamped):
    """The last serial of the self-check records of one year (``SC-2026-000001``). Locked by the
    transaction that takes a number, as ``DocumentCounter`` is for documents."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class SelfCheckRecord(TimeStamped):
    """One self-check as the firm ran it, kept for the firm's audit trail.

    Written with the check's audit event: the query, the lists and the ruleset searched, and the
    result exactly as shown. The signed PDF is made on the first download and kept: its bytes
    (and their SHA-256) are the record from then on."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(max_length=20, unique=True)
    firm = models.ForeignKey(
        "accounts.Firm", on_delete=models.PROTECT, related_name="self_check_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="self_check_records"
    )
    query = models.CharField(max_length=300)
    country = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=12, blank=True)
    channel = models.CharField(max_length=8)
    outcome = models.CharField(max_length=16)
    hit_count = models.PositiveIntegerField(default=0)
    #: The lists searched: [{"source_code", "source_name", "version_label", "issued_on", …}].
    versions = models.JSONField(default=list, blank=True)
    ruleset_version = models.CharField(max_length=32)
    #: The result as shown: threshold, outcome and every hit with its explanation.
    result = models.JSONField(default=dict, blank=True)
    searched_at = models.DateTimeField()
    file = models.FileField(upload_to=self_check_record_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["firm", "-created_at"], name="self_check_record_firm")]

    def __str__(self) -> str:
        return self.number

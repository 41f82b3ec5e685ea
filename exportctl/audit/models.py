from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    Rows are written only by ``exportctl.audit.trail.record``. Each stores the hash of the event
    before it, so removing or editing any row breaks the chain from that row on; on PostgreSQL and
    SQLite a trigger also refuses UPDATE and DELETE.

    A row is written with its ``content_hash`` and, when no other writer is sealing, already
    sealed. Otherwise its place in the chain (``seq``, ``prev_hash``, ``hash``) is empty until
    the sealer (``exportctl.audit.sealer``) fills it, once: the trigger lets exactly that update
    through and nothing else. The primary key is the event's place in the queue.
    """

    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True, editable=False)
    occurred_at = models.DateTimeField(editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(_("actor"), max_length=254, editable=False)
    action = models.CharField(_("action"), max_length=80, db_index=True, editable=False)
    object_type = models.CharField(_("object type"), max_length=80, blank=True, editable=False)
    object_id = models.CharField(_("object"), max_length=80, blank=True, editable=False)
    firm = models.ForeignKey(
        "accounts.Firm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    data = models.JSONField(default=dict, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    # NULL (not "") until sealed: unique ``hash`` must allow many unsealed rows, and the
    # constraint below says "sealed whole or not at all" in one form.
    prev_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    hash = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # Empty on events written before sealing was deferred: the chain alone covers those.
    content_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq", "id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"]),
            # The sealer's queue: only the rows still waiting, in the order they were written.
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_event_unsealed"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
            # Sealed whole or not at all: a place in the chain without its hashes (or the other
            # way round) is no state the sealer ever writes.
            models.CheckConstraint(
                condition=models.Q(seq__isnull=True, prev_hash__isnull=True, hash__isnull=True)
                | models.Q(seq__isnull=False, prev_hash__isnull=False, hash__isnull=False),
                name="audit_sealed_whole",
            ),
        ]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else f"(unsealed {self.pk})"
        return f"{place} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    @property
    def sealed(self) -> bool:
        return self.seq is not None


class CheckpointReason(models.TextChoices):
    SCHEDULE = "schedule", _("Scheduled (new events)")
    LIST_PUBLICATION = "list_publication", _("List publication")
    PERMIT_ISSUE = "permit_issue", _("Permit issue")
    MANUAL = "manual", _("Made by an operator")


class AuditCheckpointQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit checkpoints are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit checkpoints are append-only.")


class AuditCheckpoint(models.Model):
    """A signed statement of the audit trail's head: "events #1 to #head_seq, the last of which
    hashes to head_hash". Like a Certificate Transparency signed tree head, it fixes the trail up
    to that point: deleting the newest events, or rewriting the chain with recomputed hashes, no
    longer matches it, and without the ministry's key a matching one cannot be made.

    Written only by ``exportctl.audit.checkpoints``, which also appends each one to a file outside
    the database and publishes them (``audit:checkpoints``) so that others can keep copies.
    """

    number = models.PositiveBigIntegerField(_("checkpoint"), unique=True, editable=False)
    head_seq = models.PositiveBigIntegerField(_("last event"), editable=False)
    head_hash = models.CharField(_("hash of the last event"), max_length=64, editable=False)
    event_count = models.PositiveBigIntegerField(_("events"), editable=False)
    made_at = models.DateTimeField(_("made at"), editable=False)
    reason = models.CharField(
        _("reason"), max_length=32, choices=CheckpointReason.choices, editable=False
    )
    algorithm = models.CharField(_("signature algorithm"), max_length=40, editable=False)
    key_id = models.CharField(_("key id"), max_length=64, editable=False)
    signature = models.TextField(_("signature"), editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditCheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="audit_checkpoint_number_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(head_seq__gte=1), name="audit_checkpoint_head_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"checkpoint #{self.number} (events 1–{self.head_seq})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit checkpoints are append-only.")

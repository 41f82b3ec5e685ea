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
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
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
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

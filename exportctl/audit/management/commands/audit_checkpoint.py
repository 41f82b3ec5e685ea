"""``manage.py audit_checkpoint``: sign the audit trail's head now (before a backup, a migration
or a hand-over), as the beat task does every ten minutes when events were added."""

from django.core.management.base import BaseCommand

from exportctl.audit.checkpoints import checkpoint_create, store_path
from exportctl.audit.models import CheckpointReason


class Command(BaseCommand):
    help = "Make a signed checkpoint of the audit trail's head, unless the latest one covers it."

    def handle(self, *args, **options):
        checkpoint = checkpoint_create(reason=CheckpointReason.MANUAL)
        if checkpoint is None:
            self.stdout.write("Nothing new: the latest checkpoint covers the trail's head.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint #{checkpoint.number}: events up to #{checkpoint.head_seq} "
                f"(hash {checkpoint.head_hash}), signed with key {checkpoint.key_id}; "
                f"appended to {store_path()}."
            )
        )

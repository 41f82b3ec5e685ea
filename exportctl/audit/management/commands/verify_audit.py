"""``manage.py verify_audit``: check the audit trail's hash chain and the trail against its signed
checkpoints (the database's and the outside store's), naming everything that broke.

Exits non-zero on any failure. It speaks English, whatever the portal's default language: its
output goes to operators' logs and scripts.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from exportctl.audit.integrity import verify_trail


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain and check it against the signed checkpoints; "
        "name the first broken event and every checkpoint that does not hold."
    )

    def handle(self, *args, **options):
        with translation.override("en"):
            report = verify_trail()
            lines = []
            if not report.chain.ok:
                lines.append(
                    f"Audit chain broken at event #{report.broken_seq}: {report.reason} "
                    f"({report.checked} events before it verified)."
                )
            lines.extend(finding.message for finding in report.findings)
            if lines:
                raise CommandError("\n".join(lines))
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified.")
            )
            if report.unsealed:
                self.stdout.write(
                    f"{report.unsealed} events committed since the sealer ran are waiting to be "
                    "chained; each matches its content hash."
                )
            if report.latest_number is None:
                self.stdout.write(f"No checkpoint yet (outside store: {report.store}).")
                return
            self.stdout.write(
                self.style.SUCCESS(
                    f"Checkpoints intact: {report.checkpoints} verified in the database and the "
                    f"outside store ({report.store}); the latest, #{report.latest_number}, "
                    f"covers events up to #{report.latest_head}; {report.uncovered} events since."
                )
            )

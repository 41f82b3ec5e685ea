"""``manage.py audit_lock_waits``: sample PostgreSQL's lock waits on the audit path for a few
seconds (``exportctl.audit.lockwaits``) and print the summary, as text or JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from exportctl.audit.lockwaits import watch_lock_waits


class Command(BaseCommand):
    help = (
        "Sample pg_stat_activity and pg_locks for backends waiting on the audit path (the chain's "
        "advisory lock or a statement on an audit table) and print how often and how many."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=10.0)
        parser.add_argument("--interval", type=float, default=0.1)
        parser.add_argument("--database", default="default")
        parser.add_argument("--json", action="store_true", help="one JSON object on stdout")

    def handle(self, *args, seconds, interval, database, json: bool, **options):
        if seconds <= 0 or interval <= 0:
            raise CommandError("--seconds and --interval must be positive.")
        summary = watch_lock_waits(seconds=seconds, interval=interval, using=database)
        if summary is None:
            raise CommandError("Lock waits are sampled on PostgreSQL only.")
        if json:
            self.stdout.write(_dumps(summary.as_dict()))
            return
        self.stdout.write(
            f"{summary.samples} samples over {seconds:g} s: a backend waited on the audit path in "
            f"{summary.samples_with_audit_waits} ({summary.share_with_audit_waits:.1%}), at most "
            f"{summary.max_audit_waiting} at once (on the chain's lock: at most "
            f"{summary.max_chain_lock_waiting}); any lock wait in {summary.samples_with_any_wait}, "
            f"at most {summary.max_waiting} at once; idle in transaction at most "
            f"{summary.max_idle_in_transaction}."
        )


def _dumps(value: dict) -> str:
    return json.dumps(value, sort_keys=True)

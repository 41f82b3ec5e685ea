"""Bring the auditor's party-search keys up to date after the normaliser or the lexicon changed.

``manage.py recompute_party_search_keys [--batch-size N]``: every party of every submitted case,
``N`` parties a transaction, one progress line per batch. Only the keys that differ are written,
so running it twice changes nothing the second time, and an interrupted run is finished by the
next one.
"""

from django.core.management.base import BaseCommand, CommandError

from screening.party_search import (
    REBUILD_BATCH,
    RecomputeProgress,
    party_search_keys_recompute,
)


class Command(BaseCommand):
    help = (
        "Recompute the party-search keys of every party of every submitted notification "
        "(after a change of the name normaliser or lexicon); writes only the keys that differ."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=REBUILD_BATCH,
            help=f"parties per transaction (default {REBUILD_BATCH})",
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        def report(p: RecomputeProgress) -> None:
            self.stdout.write(
                f"{p.parties}/{p.total} parties: {p.added} keys added, {p.removed} removed"
            )

        result = party_search_keys_recompute(batch_size=batch_size, progress=report)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.parties} parties keyed: {result.added} keys added, "
                f"{result.removed} removed."
            )
        )

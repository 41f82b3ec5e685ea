"""Rewrite the auditor's party-search keys of every submitted case (after the normaliser changed,
or for parties loaded without screening, such as a benchmark's seed)."""

from django.core.management.base import BaseCommand

from screening.party_search import REBUILD_BATCH, party_search_keys_rebuild


class Command(BaseCommand):
    help = "Rewrite the party-search keys of every party of every submitted notification."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=REBUILD_BATCH)

    def handle(self, *args, batch_size: int, **options):
        done = party_search_keys_rebuild(batch_size=batch_size)
        self.stdout.write(f"{done} parties keyed.")

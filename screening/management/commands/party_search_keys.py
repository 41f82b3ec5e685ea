"""The former name of ``recompute_party_search_keys`` (kept for scripts that call it)."""

from .recompute_party_search_keys import Command as RecomputeCommand


class Command(RecomputeCommand):
    pass

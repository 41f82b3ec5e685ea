"""Hooks: how a lower layer lets a higher one react to its moves without importing it.

The notifications core must not import screening (the import-linter contracts in
``pyproject.toml``), yet a submission must start screening, and a list publication must start the
re-screen. So the lower app names the moment (``notifications.hooks.notification_submitted``) and
calls it inside its service's transaction; the higher app registers what happens then from its
``AppConfig.ready()``, which every process runs at start-up (web, worker, management commands,
tests), so no process can submit without the receiver in place.

A receiver is registered once however often ``ready()`` runs, and receivers run in the order
they were registered. A receiver that queues work does so with ``task.delay_on_commit(...)``, so
nothing is sent for a transaction that rolls back.
"""

from __future__ import annotations

from collections.abc import Callable


class Hook:
    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Callable[..., None]] = []

    def register(self, receiver: Callable[..., None]) -> Callable[..., None]:
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def unregister(self, receiver: Callable[..., None]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Callable[..., None], ...]:
        return tuple(self._receivers)

    def __call__(self, *args, **kwargs) -> None:
        for receiver in self._receivers:
            receiver(*args, **kwargs)

    def collect(self, *args, **kwargs) -> list:
        """Ask every receiver; each answers with a list, and the answers are joined in order."""
        return [item for receiver in self._receivers for item in receiver(*args, **kwargs)]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"

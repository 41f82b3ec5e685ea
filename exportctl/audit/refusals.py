"""Refused attempts at privileged actions, on the audit trail.

The log must say who *tried*, not only who did: an exporter calling a reviewer endpoint, an
auditor posting an approval, a reviewer countersigning their own approval, someone without the
list manager's role publishing a list. Refusals are noticed at a few choke points only:

- ``PermissionDenied`` raised by a web view (``RefusalAuditMiddleware.process_exception``);
- a DRF permission denial (``exportctl.api_errors.exception_handler``);
- a service's ``TransitionError`` whose code is a rule about *who* may act (``PRIVILEGE_CODES``),
  whichever view caught it and however it answered (a banner, a 403).

Each choke point only *notes* the refusal on the current request (a context variable set by the
middleware). The middleware writes at most one ``access.refused`` event per request once the view
has answered, outside the view's transaction: the service's work was rolled back, the refusal is
kept. Refusals outside a request (a task, a shell) are not noted.

A 404 is never a refusal here: answering 404 for another firm's object is deliberate
non-disclosure, and recording it would tell nothing the access rules do not.

**Flood bound.** The trail is append-only and hash-chained, so events cannot be merged after
the fact. Instead a counter in the cache (Redis in production) per actor, attempted action and
reason, per fixed window of ``EXPORTCTL_REFUSAL_AUDIT_WINDOW`` seconds, decides whether to write:
the 1st, 10th, 100th, 1,000th… refusal of a window is written, carrying its ordinal as
``count``. A flood of *n* identical refusals writes at most 1 + log10(n) events per window,
and the last one says "at least this many".
"""

import contextvars
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise  # a gettext_lazy message (django-stubs, dev only)

logger = logging.getLogger(__name__)

#: The action of every refusal event (the log's "Refusals only" filter selects it).
REFUSAL_ACTION = "access.refused"
#: ``TransitionError`` codes that refuse a person, not an input or a state.
PRIVILEGE_CODES = frozenset({"forbidden_role", "four_eyes"})
#: Default length of an aggregation window, in seconds.
DEFAULT_WINDOW = 600
#: URL namespaces whose ``public_id`` names a notification.
_NOTIFICATION_NAMESPACES = frozenset({"notifications", "review", "review_api"})


@dataclass
class Refusal:
    reason: str
    message: str = ""
    extra: dict = field(default_factory=dict)


_current: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "exportctl_refusals", default=None
)


def begin() -> contextvars.Token:
    """Start collecting refusals for one request (the middleware calls it)."""
    return _current.set([])


def end(token: contextvars.Token) -> list[Refusal]:
    noted = _current.get() or []
    _current.reset(token)
    return noted


def note(*, reason: str, message: "str | StrPromise" = "", **extra: object) -> None:
    """Note a refusal of the current request; outside a request this does nothing."""
    noted = _current.get()
    if noted is not None:
        noted.append(Refusal(reason=reason, message=str(message)[:300], extra=extra))


def window_seconds() -> int:
    return int(getattr(settings, "EXPORTCTL_REFUSAL_AUDIT_WINDOW", DEFAULT_WINDOW))


def _is_milestone(count: int) -> bool:
    """1, 10, 100, 1000…"""
    while count >= 10 and count % 10 == 0:
        count //= 10
    return count == 1


def _count(key: str, window: int) -> int:
    try:
        cache.add(key, 0, timeout=window + 60)
        return cache.incr(key)
    except Exception:  # a cache outage must not hide the attempt: write it
        logger.warning("refusal counter unavailable; recording the refusal", exc_info=True)
        return 1


def _object_of(match) -> tuple[str, str]:
    if match is None or not match.kwargs:
        return "", ""
    kwargs = match.kwargs
    if "public_id" in kwargs and _NOTIFICATION_NAMESPACES & set(match.namespaces):
        return "notifications.notification", str(kwargs["public_id"])
    name, value = next(iter(kwargs.items()))
    return f"url.{name}"[:80], str(value)[:80]


def record_refusal(*, request, refusal: Refusal):
    """Write the refusal of ``request`` unless the window's counter says it is a repeat.

    Returns the event written, or ``None`` when it was only counted."""
    actor = getattr(request, "user", None)
    if actor is None or not actor.is_authenticated:
        return None  # an anonymous caller is sent to sign in (401/redirect), never refused here
    match = getattr(request, "resolver_match", None)
    attempted = (match.view_name if match else "") or request.path
    window = window_seconds()
    slot = int(time.time() // window)
    key = f"audit-refusal:{actor.pk}:{attempted}:{refusal.reason}:{slot}"
    count = _count(key, window)
    if not _is_milestone(count):
        return None
    # Imported here: the workflow module notes refusals and is imported while models load.
    from exportctl.audit import trail

    object_type, object_id = _object_of(match)
    return trail.record(
        action=REFUSAL_ACTION,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        firm=getattr(actor, "firm", None),
        data={
            "attempted": attempted,
            "method": request.method,
            "path": request.path[:300],
            "reason": refusal.reason,
            "message": refusal.message,
            "count": count,
            "window_seconds": window,
            **refusal.extra,
        },
        request=request,
    )

"""A limit on password guesses per account, whatever the client's address.

django-axes locks an (account, address) pair after ``AXES_FAILURE_LIMIT`` failures, which stops
one client but not a botnet: each address gets its own five guesses. This module adds a limit per
account alone, in a form an attacker cannot turn against the account's owner:

* it is a throttle, not a lock: after ``EXPORTCTL_ACCOUNT_FAILURE_LIMIT`` failures within
  ``EXPORTCTL_ACCOUNT_FAILURE_WINDOW`` seconds (from any addresses), each further attempt must
  wait a cool-down that starts at ``EXPORTCTL_ACCOUNT_COOLDOWN_SECONDS`` and doubles with each
  failure, up to ``EXPORTCTL_ACCOUNT_COOLDOWN_MAX_SECONDS`` (five minutes by default). Attempts
  refused during a cool-down are not counted and their password is never checked;
* a browser that has signed in to the account before carries a signed "known device" cookie and
  is not throttled at all (OWASP's device cookies), so the owner at their usual desk keeps signing
  in while a stranger's guessing is slowed to a few tries an hour.

The counters live in the cache (Redis in production), keyed by a hash of the normalised address.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from exportctl.accounts.identity import normalise_email

DEVICE_COOKIE = "exportctl_device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600
_DEVICE_SALT = "exportctl.accounts.throttle.known_device"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def failure_limit() -> int:
    return _setting("EXPORTCTL_ACCOUNT_FAILURE_LIMIT", 20)


def failure_window() -> int:
    return _setting("EXPORTCTL_ACCOUNT_FAILURE_WINDOW", 15 * 60)


def _digest(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def _keys(email: str) -> tuple[str, str]:
    digest = _digest(email)
    return f"account-throttle:count:{digest}", f"account-throttle:last:{digest}"


def cooldown_seconds(failures: int) -> int:
    """The wait after ``failures`` failures: none below the limit, then doubling to the cap."""
    limit = failure_limit()
    if failures < limit:
        return 0
    base = _setting("EXPORTCTL_ACCOUNT_COOLDOWN_SECONDS", 30)
    cap = _setting("EXPORTCTL_ACCOUNT_COOLDOWN_MAX_SECONDS", 300)
    return min(base * 2 ** min(failures - limit, 16), cap)


def seconds_left(email: str, *, now: float | None = None) -> int:
    """How long an attempt on this account must still wait (0: it may go ahead)."""
    count_key, last_key = _keys(email)
    failures = cache.get(count_key, 0)
    wait = cooldown_seconds(failures)
    if not wait:
        return 0
    last = cache.get(last_key)
    if last is None:
        return 0
    now = time.time() if now is None else now
    return max(0, math.ceil(last + wait - now))


def record_failure(email: str) -> bool:
    """Count one failed password check for the account; True when this failure is the one that
    starts throttling it (so the owner is told once)."""
    count_key, last_key = _keys(email)
    window = failure_window()
    cache.add(count_key, 0, timeout=window)  # the window runs from the first failure
    try:
        failures = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=window)
        failures = 1
    cache.set(last_key, time.time(), timeout=window)
    return failures == failure_limit()


def clear(email: str) -> None:
    cache.delete_many(list(_keys(email)))


# --- Known devices ---------------------------------------------------------------------------


def device_cookie_value(email: str) -> str:
    return signing.dumps(_digest(email), salt=_DEVICE_SALT)


def is_known_device(request, email: str) -> bool:
    value = getattr(request, "COOKIES", {}).get(DEVICE_COOKIE)
    if not value:
        return False
    try:
        digest = signing.loads(value, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return False
    return digest == _digest(email)


def set_device_cookie(response, email: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_value(email),
        max_age=DEVICE_COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- The authentication backend (after axes, before ModelBackend) -----------------------------


class AccountThrottleBackend:
    """Refuses an attempt on a throttled account before its password is checked.

    Setting ``axes_locked_out`` lets ``AxesMiddleware`` answer with the lockout response
    (``exportctl.accounts.lockout.locked_out``, which tells the throttle from the axes lock by
    ``exportctl_account_throttled``)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return None
        email = normalise_email(username)
        wait = seconds_left(email)
        if wait and not is_known_device(request, email):
            request.exportctl_account_throttled = wait
            request.axes_locked_out = True
            request.axes_credentials = {"username": email}
            raise PermissionDenied
        # Only attempts that reach the password check count against the account.
        request.exportctl_password_checked = email
        return None

    # No ``get_user``: this backend never signs anyone in, so no session names it (and Django's
    # test client picks the first backend that has one for ``force_login``).


# --- Signal receivers (connected in AccountsConfig.ready) -------------------------------------


def on_login_failed(sender, credentials=None, request=None, **kwargs) -> None:
    email = getattr(request, "exportctl_password_checked", None)
    if not email:
        return
    request.exportctl_password_checked = None
    if record_failure(email):
        from exportctl.accounts import services  # services imports tasks and models

        services.account_lock_notify(email=email, scope="account", request=request)


def on_logged_in(sender, request=None, user=None, **kwargs) -> None:
    if user is not None:
        clear(user.email)


def on_axes_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    if not username or getattr(request, "exportctl_account_throttled", None):
        return
    from exportctl.accounts import services

    services.account_lock_notify(email=username, scope="address", request=request)

"""What a locked-out client sees (django-axes ``AXES_LOCKOUT_CALLABLE``), and the audit of it:
the (account, address) lock of django-axes, or the per-account throttle."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from exportctl.accounts.identity import axes_username
from exportctl.audit import trail


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    # django-axes 8 calls (request, original_response, credentials); the credentials carry the
    # address of an API request, whose JSON body is not in request.POST.
    if isinstance(original_response, dict) and credentials is None:
        credentials = original_response
    username = axes_username(request, credentials)
    wait = getattr(request, "exportctl_account_throttled", None)
    if wait:
        return _throttled(request, username, int(wait))
    trail.record(
        action="auth.locked_out",
        data={"username": username},
        request=request,
        actor_label="anonymous",
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": "Too many failed sign-ins. Try again later.",
                "errors": [
                    {"field": None, "code": "locked_out", "message": "Too many failed sign-ins."}
                ],
            },
            status=429,
        )
    return render(request, "accounts/locked_out.html", status=429)


def _throttled(request, username: str, wait: int):
    """The per-account throttle (``exportctl/accounts/throttle.py``): a short wait, whatever the
    client address; the password was not checked."""
    trail.record(
        action="auth.account_throttled",
        data={"username": username, "retry_after": wait},
        request=request,
        actor_label="anonymous",
    )
    message = _(
        "There have been many failed sign-ins to this account. Wait %(seconds)d seconds and "
        "try again."
    ) % {"seconds": wait}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": message,
                "errors": [{"field": None, "code": "account_throttled", "message": message}],
            },
            status=429,
        )
    else:
        response = render(request, "accounts/account_throttled.html", {"seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response

"""What a locked-out client sees (django-axes ``AXES_LOCKOUT_CALLABLE``), and the audit of it."""

from django.http import JsonResponse
from django.shortcuts import render

from exportctl.audit import trail


def locked_out(request, credentials=None, *args, **kwargs):
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    trail.record(
        action="auth.locked_out",
        data={"username": str(username).strip().lower()[:254]},
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

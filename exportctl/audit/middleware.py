"""Writes the refusals a request collected (see ``exportctl.audit.refusals``).

Placed after the authentication middleware (it needs ``request.user``) and before the rate-limit
middleware, so that a rate limit (django-ratelimit's ``Ratelimited`` is a ``PermissionDenied``)
has already become a 429 before this middleware's ``process_exception`` would see it.
"""

from django.core.exceptions import PermissionDenied
from django_ratelimit.exceptions import Ratelimited

from exportctl.audit import refusals


class RefusalAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = refusals.begin()
        try:
            response = self.get_response(request)
        finally:
            noted = refusals.end(token)
        if noted:
            # One attempt, one event: the first note is the most specific (a service's code is
            # noted before the view or the API turns it into a response).
            refusals.record_refusal(request=request, refusal=noted[0])
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied) and not isinstance(exception, Ratelimited):
            refusals.note(reason="permission_denied", message=str(exception))
        return None

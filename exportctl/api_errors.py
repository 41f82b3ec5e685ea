"""One error shape for every API response that is not a success.

An ERP integration handles failures by machine, so each one names the field it concerns (with its
path inside nested input, e.g. ``items[0].value_jpy``), a stable code and a readable message::

    {"detail": "The request has 2 problems.",
     "errors": [{"field": "items[0].value_jpy", "code": "invalid", "message": "A valid integer is
     required."}, …]}

``field`` is ``null`` for a problem of the request as a whole (not found, throttled, a workflow
move that the notification's status does not allow). Workflow refusals keep the code the service
gave (``wrong_state``, ``declaration_required``…); a refused submit lists every readiness gap.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from exportctl.api_error_shapes import ErrorItemSerializer, ErrorResponseSerializer  # noqa: F401
from exportctl.audit import refusals
from notifications.services.lifecycle import NotReadyError
from notifications.workflow import TransitionError

#: Workflow refusal codes that concern one input field rather than the request as a whole.
TRANSITION_CODE_FIELDS = {
    "declaration_required": "declaration_accepted",
    "empty_reply": "body",
}
#: The status of a refused move: the notification's state conflicts with the request (409), the
#: person may not make this move (403), or the input is wrong (400).
TRANSITION_CODE_STATUS = {
    "wrong_state": status.HTTP_409_CONFLICT,
    "not_ready": status.HTTP_409_CONFLICT,
    # A move that does not exist in this notification's procedure (approve on a prior report).
    "wrong_procedure": status.HTTP_409_CONFLICT,
    "forbidden_role": status.HTTP_403_FORBIDDEN,
    # The firm is under a running export ban (notifications.enforcement): not allowed now.
    "export_ban": status.HTTP_403_FORBIDDEN,
}


def _join(prefix: str | None, key) -> str | None:
    if key == api_settings.NON_FIELD_ERRORS_KEY or key == "__all__":
        return prefix
    if isinstance(key, int):
        return f"{prefix or ''}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def flatten(detail, prefix: str | None = None) -> list[dict]:
    """DRF's nested error detail → a flat list of {field, code, message} with paths."""
    items: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            items.extend(flatten(value, _join(prefix, key)))
    elif isinstance(detail, list):
        if any(isinstance(value, dict | list) for value in detail):
            # A list of nested serializers' errors: the index is part of the path, and an empty
            # entry means that element was fine.
            for index, value in enumerate(detail):
                if isinstance(value, dict | list):
                    items.extend(flatten(value, _join(prefix, index)))
                elif value:
                    items.extend(flatten(value, prefix))
        else:
            for value in detail:
                items.extend(flatten(value, prefix))
    else:
        items.append(
            {
                "field": prefix,
                "code": getattr(detail, "code", None) or "invalid",
                "message": force_str(detail),
            }
        )
    return items


def django_validation_detail(exc: DjangoValidationError) -> dict | list:
    """A Django ``ValidationError`` (raised by services) as DRF-style detail, codes kept."""
    if hasattr(exc, "error_dict"):
        return {
            field: [
                exceptions.ErrorDetail(message, code=error.code or "invalid")
                for error in errors
                for message in error.messages
            ]
            for field, errors in exc.error_dict.items()
        }
    return [
        exceptions.ErrorDetail(message, code=error.code or "invalid")
        for error in exc.error_list
        for message in error.messages
    ]


def _summary(errors: list[dict]) -> str:
    if len(errors) == 1:
        return errors[0]["message"]
    return ngettext(
        "The request has %(count)d problem.", "The request has %(count)d problems.", len(errors)
    ) % {"count": len(errors)}


def _response(errors: list[dict], status_code: int, detail: str | None = None, headers=None):
    set_rollback()
    return Response(
        {"detail": detail or _summary(errors), "errors": errors},
        status=status_code,
        headers=headers,
    )


def exception_handler(exc, context):
    """``REST_FRAMEWORK["EXCEPTION_HANDLER"]``: every refusal in the structured shape."""
    if isinstance(exc, NotReadyError):
        errors = [
            {"field": gap.field, "code": "not_ready", "message": force_str(gap.message)}
            for gap in exc.gaps
        ]
        return _response(errors, status.HTTP_409_CONFLICT, detail=force_str(exc))
    if isinstance(exc, TransitionError):
        error = {
            "field": TRANSITION_CODE_FIELDS.get(exc.code),
            "code": exc.code,
            "message": force_str(exc),
        }
        code_status = TRANSITION_CODE_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST)
        return _response([error], code_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        return None  # a real fault: Django's 500 handling and logging
    if isinstance(exc, exceptions.PermissionDenied) and not str(exc.detail).startswith("CSRF"):
        # A forged request (no CSRF token) is not the signed-in person's attempt: not noted.
        refusals.note(reason="permission_denied", message=force_str(exc.detail))

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    errors = flatten(exc.detail)
    if not errors:  # e.g. ValidationError({}) — never answer an error with an empty list
        errors = [{"field": None, "code": exc.default_code, "message": force_str(exc)}]
    detail = None if isinstance(exc, exceptions.ValidationError) else errors[0]["message"]
    return _response(errors, exc.status_code, detail=detail, headers=headers)

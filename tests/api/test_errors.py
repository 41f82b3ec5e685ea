"""The one error shape: {"detail", "errors": [{"field", "code", "message"}]}."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions

from exportctl.api_errors import exception_handler, flatten
from notifications.readiness import Gap
from notifications.services import NotReadyError
from notifications.workflow import TransitionError
from tests.api.conftest import token_client
from tests.factories import NotificationFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def handle(exc):
    return exception_handler(exc, {})


def test_nested_detail_is_flattened_to_paths():
    detail = exceptions.ValidationError(
        {
            "title": [exceptions.ErrorDetail("Too long.", code="max_length")],
            "items": [
                {},
                {"value_jpy": [exceptions.ErrorDetail("A valid integer is required.", "invalid")]},
            ],
            "checklist": {"4": {"answer": [exceptions.ErrorDetail("Bad.", code="invalid_choice")]}},
            "non_field_errors": [exceptions.ErrorDetail("Inconsistent.", code="inconsistent")],
        }
    ).detail

    assert flatten(detail) == [
        {"field": "title", "code": "max_length", "message": "Too long."},
        {
            "field": "items[1].value_jpy",
            "code": "invalid",
            "message": "A valid integer is required.",
        },
        {"field": "checklist.4.answer", "code": "invalid_choice", "message": "Bad."},
        {"field": None, "code": "inconsistent", "message": "Inconsistent."},
    ]


def test_a_validation_error_lists_every_field():
    response = handle(
        exceptions.ValidationError(
            {
                "a": [exceptions.ErrorDetail("x", "required")],
                "b": [exceptions.ErrorDetail("y", "invalid")],
            }
        )
    )

    assert response.status_code == 400
    assert response.data == {
        "detail": "The request has 2 problems.",
        "errors": [
            {"field": "a", "code": "required", "message": "x"},
            {"field": "b", "code": "invalid", "message": "y"},
        ],
    }


def test_a_single_problem_is_also_the_detail():
    response = handle(exceptions.ValidationError({"a": [exceptions.ErrorDetail("x", "required")]}))

    assert response.data["detail"] == "x"


def test_a_services_django_validation_error_keeps_fields_and_codes():
    response = handle(
        DjangoValidationError({"file": [DjangoValidationError("Too big.", code="too_large")]})
    )

    assert response.status_code == 400
    assert response.data["errors"] == [
        {"field": "file", "code": "too_large", "message": "Too big."}
    ]


def test_a_django_validation_error_without_fields_is_about_the_request():
    response = handle(DjangoValidationError("Unknown fields: colour.", code="unknown_field"))

    assert response.data["errors"] == [
        {"field": None, "code": "unknown_field", "message": "Unknown fields: colour."}
    ]


def test_not_found_and_permission_denied():
    not_found = handle(Http404("Notification 42 of firm 7"))
    denied = handle(PermissionDenied())

    assert not_found.status_code == 404
    # The reason a lookup failed never leaks: every 404 says the same.
    assert not_found.data == {
        "detail": "Not found.",
        "errors": [{"field": None, "code": "not_found", "message": "Not found."}],
    }
    assert denied.status_code == 403
    assert denied.data["errors"][0]["code"] == "permission_denied"


def test_throttled_carries_retry_after():
    response = handle(exceptions.Throttled(wait=42))

    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert response.data["errors"][0]["code"] == "throttled"
    assert response.data["detail"] == "Request was throttled. Expected available in 42 seconds."


@pytest.mark.parametrize(
    ("code", "status", "field"),
    [
        ("wrong_state", 409, None),
        ("forbidden_role", 403, None),
        ("declaration_required", 400, "declaration_accepted"),
        ("empty_reply", 400, "body"),
        ("due_in_past", 400, None),
    ],
)
def test_workflow_refusals_keep_their_code(code, status, field):
    response = handle(TransitionError("Refused.", code=code))

    assert response.status_code == status
    assert response.data == {
        "detail": "Refused.",
        "errors": [{"field": field, "code": code, "message": "Refused."}],
    }


def test_not_ready_lists_the_gaps():
    response = handle(
        NotReadyError(
            [
                Gap("items", "items", "Add at least one item."),
                Gap("parties", "end_user", "Name the end user."),
            ]
        )
    )

    assert response.status_code == 409
    assert response.data == {
        "detail": "The notification is not ready to submit.",
        "errors": [
            {"field": "items", "code": "not_ready", "message": "Add at least one item."},
            {"field": "end_user", "code": "not_ready", "message": "Name the end user."},
        ],
    }


def test_an_unexpected_exception_is_left_to_djangos_500_handling():
    assert handle(RuntimeError("boom")) is None


@pytest.mark.django_db
def test_messages_follow_the_request_language_japanese_by_default(exporter):
    draft = NotificationFactory(firm=exporter.firm)

    response = token_client(exporter, language="ja").patch(
        f"/api/v1/notifications/{draft.public_id}/", {"end_use_category": "piracy"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "end_use_category",
        "code": "invalid_choice",
        "message": '"piracy"は有効な選択肢ではありません。',
    }

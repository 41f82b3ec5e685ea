"""The shape of every API error body (``exportctl.api_errors`` fills it), kept apart from the
handler so that accounts' token API can document it without importing the notifications
workflow the handler knows about (the import-linter layers in ``pyproject.toml``)."""

from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text="Path of the input field, e.g. items[0].value_jpy; null when "
        "the problem concerns the request as a whole.",
    )
    code = serializers.CharField(help_text="A stable machine-readable code.")
    message = serializers.CharField(help_text="A readable explanation, in the request's language.")


class ErrorResponseSerializer(serializers.Serializer):
    """The body of every error response (documented in the OpenAPI schema)."""

    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)

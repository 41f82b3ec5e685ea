"""``POST /api/v1/screening/self-check/``: the exporter's self-check for ERP integrations.

The same service as the page (``screening.self_check``): same roles, same audit event, and a
per-user throttle of its own (scope ``self_check``) on top of the general user throttle.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from exportctl.countries import CountryCodeField
from screening.self_check import (
    MATCH,
    MAX_NAME_LENGTH,
    NO_MATCH,
    NOT_SCREENED,
    SelfCheckError,
    can_self_check,
    is_searchable,
    self_check_run,
)

NOT_SEARCHABLE = _("Enter a name with letters in it, not only punctuation.")


class CanSelfCheck(BasePermission):
    message = _("Only exporters and firm administrators may run a self-check.")

    def has_permission(self, request, view) -> bool:
        return can_self_check(request.user)


# --- Request ---------------------------------------------------------------------------------


class SelfCheckRequestSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=MAX_NAME_LENGTH,
        help_text="The name of a company, organisation or person, in any script.",
    )
    country = CountryCodeField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional two-letter ISO 3166 code of the party's country, e.g. IR.",
    )
    kind = serializers.ChoiceField(
        choices=[("person", "person"), ("organization", "organization")],
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Optional: whether the name is a person's or an organisation's (company, university, "
            "agency…). Weighed against each listed entry's kind; empty or omitted when unknown."
        ),
    )

    def validate_name(self, value: str) -> str:
        value = " ".join(value.split())
        if not is_searchable(value):
            raise serializers.ValidationError(NOT_SEARCHABLE, code="not_searchable")
        return value


# --- Response --------------------------------------------------------------------------------


class SearchedListSerializer(serializers.Serializer):
    source_code = serializers.CharField(help_text="e.g. meti-eul (primary) or ofac-sdn.")
    source_name = serializers.CharField()
    authority = serializers.CharField()
    advisory = serializers.BooleanField(
        help_text="True for a foreign list kept for information only."
    )
    version_label = serializers.CharField(help_text="The revision of the list that was searched.")
    issued_on = serializers.DateField(allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField(
        allow_null=True, help_text="When the ministry put this version in force in the portal."
    )


class ListedEntrySerializer(serializers.Serializer):
    """The entry's published fields, as the list publishes them."""

    number = serializers.IntegerField(help_text="No. of the entry in the published list.")
    kind = serializers.CharField()
    country = serializers.CharField()
    country_label = serializers.CharField()
    name = serializers.CharField()
    local_name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    concern_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Type of WMD concern: B, C, M, N."
    )
    conventional_weapons = serializers.BooleanField()


class TokenPairSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="A word of the searched name, normalised.")
    listed = serializers.CharField(help_text="The word of the listed name it was paired with.")
    method = serializers.CharField(help_text="exact, phonetic, edit distance, romanised…")
    similarity = serializers.FloatField()
    weight = serializers.FloatField(help_text="How rare (telling) the listed word is.")
    contribution = serializers.FloatField()


class UnmatchedQueryTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    cost = serializers.FloatField()


class UnmatchedListedTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    kind = serializers.CharField(help_text="contradicts, or omitted by the party.")
    cost = serializers.FloatField()


class ExplanationSerializer(serializers.Serializer):
    """How the searched name lined up with the listed name: what a reviewer reads for a hit."""

    matched_name = serializers.CharField()
    name_kind = serializers.CharField(help_text="primary, alias or local (script) name.")
    form = serializers.CharField()
    method = serializers.CharField(help_text="token_alignment or cjk_bigrams.")
    query_normalised = serializers.CharField()
    listed_normalised = serializers.CharField()
    query_legal_form = serializers.CharField(allow_null=True)
    listed_legal_form = serializers.CharField(allow_null=True)
    qualifiers = serializers.DictField(child=serializers.CharField())
    score = serializers.FloatField()
    band = serializers.CharField()
    pairs = TokenPairSerializer(many=True)
    unmatched_query = UnmatchedQueryTokenSerializer(many=True)
    unmatched_listed = UnmatchedListedTokenSerializer(many=True)
    name_score = serializers.FloatField(required=False)
    query_reading = serializers.CharField(required=False)
    query_cjk = serializers.CharField(required=False)
    listed_cjk = serializers.CharField(required=False)


class SelfCheckHitSerializer(serializers.Serializer):
    list = SearchedListSerializer()
    entry = ListedEntrySerializer()
    score = serializers.FloatField(help_text="0–1; at or above alert_threshold.")
    band = serializers.ChoiceField(choices=["strong", "alert"])
    matched_name = serializers.CharField(help_text="The listed name or alias that matched.")
    name_kind = serializers.CharField()
    explanation = ExplanationSerializer()


class SelfCheckResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    country = serializers.CharField()
    kind = serializers.CharField(help_text='"person", "organization", or "" when not given.')
    searched_at = serializers.DateTimeField()
    alert_threshold = serializers.FloatField()
    outcome = serializers.ChoiceField(
        choices=[MATCH, NO_MATCH, NOT_SCREENED],
        help_text=(
            "match: at least one hit at or above the alert threshold; no_match: none; "
            "not_screened: no End User List version is published, nothing could be checked."
        ),
    )
    lists = SearchedListSerializer(many=True, help_text="Every list version that was searched.")
    hits = SelfCheckHitSerializer(many=True, help_text="End User List hits first, then advisory.")
    notice = serializers.SerializerMethodField()

    def get_notice(self, obj) -> str:
        return str(
            _(
                "This result is advisory. It does not replace the advance notification: file "
                "it before the export whatever the result."
            )
        )


# --- View ------------------------------------------------------------------------------------


class SelfCheckView(APIView):
    permission_classes = [IsAuthenticated, CanSelfCheck]
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "self_check"

    @extend_schema(
        operation_id="screening_self_check",
        tags=["screening"],
        summary="Check a name against the published lists",
        description=(
            "Searches one name (any script), with an optional country, against the published "
            "End User List (primary) and the advisory lists, with the worker's matcher and alert "
            "threshold. Returns every hit at or above the threshold with the listed entry's "
            "public fields and the explanation of the match, or outcome `no_match` with the list "
            "versions searched. Advisory: filing is still required. Exporters and firm "
            "administrators only; audited; throttled per user (scope `self_check`)."
        ),
        request=SelfCheckRequestSerializer,
        responses={
            200: SelfCheckResultSerializer,
            400: OpenApiResponse(description="The name or the country is not valid."),
            401: OpenApiResponse(description="Not signed in / no token."),
            403: OpenApiResponse(description="Not an exporter or firm administrator."),
            429: OpenApiResponse(description="Too many self-checks; retry later."),
        },
        examples=[
            OpenApiExample(
                "Listed university",
                value={"name": "Amirkabir Univ. of Technology", "country": "IR"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = SelfCheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = self_check_run(
                actor=request.user,
                name=serializer.validated_data["name"],
                country=serializer.validated_data["country"],
                kind=serializer.validated_data["kind"],
                channel="api",
                request=request,
            )
        except SelfCheckError as exc:
            raise serializers.ValidationError({"name": [NOT_SEARCHABLE]}) from exc
        return Response(SelfCheckResultSerializer(result).data)

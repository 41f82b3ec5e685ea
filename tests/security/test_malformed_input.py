"""Issue 19, finding 3: odd input is a 400 with the standard error body, never a 500.

Checklist keys are ASCII digits; the JSON parser bounds depth and size before it decodes; lone
surrogates and control characters are refused in text fields, with the field named; and a
property-based test throws arbitrary unicode and nesting at the filing endpoints.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from exportctl.accounts.tokens import api_token_create
from exportctl.audit.models import AuditEvent
from notifications import drafts
from notifications.models import Item, Notification, Party
from tests.factories import ExporterFactory, NotificationFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notifications/"
ITEM = {
    "kind": "goods",
    "description": "5-axis machining centre",
    "classification": "16_1",
    "hs_code": "8457.10",
    "quantity": "2",
    "unit": "units",
    "value_jpy": 48000000,
}
PARTY = {"role": "end_user", "name": "Siam Motor Works", "address": "Bangkok", "country": "TH"}


@pytest.fixture
def exporter(db):
    return ExporterFactory(email="erp@example.com")


@pytest.fixture
def api(exporter) -> APIClient:
    _, secret = api_token_create(actor=exporter, expires_in_days=None, via="test")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


@pytest.fixture
def draft(exporter):
    return NotificationFactory(
        firm=exporter.firm, created_by=exporter, checklist={"1": {"answer": "yes", "note": ""}}
    )


def assert_standard_error(response, status: int) -> list[dict]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}
    return body["errors"]


def raw(client, method: str, url: str, body: str | bytes):
    return getattr(client, method)(url, data=body, content_type="application/json")


# --- Checklist keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["²", "١", "１", "1²"])
def test_a_checklist_key_that_is_a_digit_but_not_ascii_is_a_400(api, draft, key):
    before = AuditEvent.objects.count()
    response = api.patch(
        f"{BASE}{draft.public_id}/checklist/",
        {"checklist": {key: {"answer": "no"}}},
        format="json",
    )
    errors = assert_standard_error(response, 400)
    assert errors[0]["code"] == "unknown_check"
    assert errors[0]["field"] == f"checklist.{key}"
    draft.refresh_from_db()
    assert draft.checklist == {"1": {"answer": "yes", "note": ""}}
    assert AuditEvent.objects.count() == before


def test_the_draft_service_refuses_a_non_ascii_check_number(draft, exporter):
    with pytest.raises(ValidationError) as refused:
        drafts.checklist_save(notification=draft, actor=exporter, answers={"１": {"answer": "no"}})
    assert "checklist" in refused.value.message_dict
    draft.refresh_from_db()
    assert draft.checklist == {"1": {"answer": "yes", "note": ""}}


# --- JSON depth and size ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_a_json_body_nested_too_deep_is_a_400_not_a_recursion_error(api, depth):
    body = "[" * depth + "]" * depth
    errors = assert_standard_error(raw(api, "post", BASE, body), 400)
    assert errors[0]["code"] == "too_deep"
    assert "32" in errors[0]["message"]
    assert not Notification.objects.exists()


def test_nesting_inside_a_string_does_not_count(api):
    title = '[{"\\"' * 40  # 200 characters of brackets, quotes and escapes
    response = raw(api, "post", BASE, json.dumps({"title": title}))
    assert response.status_code == 201, response.content
    assert Notification.objects.get().title == title


def test_a_body_at_the_depth_limit_reaches_the_serializer(api):
    body = json.dumps({"checklist": {"1": {"note": [[["x"]]]}}})
    within = "{" + '"a":[' * 15 + "1" + "]" * 15 + "}"  # 16 levels
    at_limit = "[" * 32 + "]" * 32
    # Parsed, then refused by the serializer as the wrong shape (not by the parser as too deep).
    for text in (body, within, at_limit):
        errors = assert_standard_error(raw(api, "post", BASE, text), 400)
        assert all(error["code"] != "too_deep" for error in errors), errors


@override_settings(API_JSON_MAX_BYTES=1000)
def test_a_json_body_over_the_size_limit_is_a_413(api):
    body = json.dumps({"title": "x" * 2000})
    errors = assert_standard_error(raw(api, "post", BASE, body), 413)
    assert errors[0]["code"] == "too_large"
    assert "1000 bytes" in errors[0]["message"]
    assert not Notification.objects.exists()


def test_invalid_json_and_raw_surrogate_bytes_are_a_400(api):
    assert_standard_error(raw(api, "post", BASE, b'{"title": "\xed\xa0\x80"}'), 400)
    assert_standard_error(raw(api, "post", BASE, '{"title": NaN}'), 400)
    assert_standard_error(raw(api, "post", BASE, '{"title": '), 400)
    assert not Notification.objects.exists()


# --- Lone surrogates and control characters -----------------------------------------------------


def test_a_lone_surrogate_in_an_item_is_refused_with_the_field_named(api, draft):
    body = json.dumps({**ITEM, "description": "machining centre \ud800"})  # escaped: \ud800
    errors = assert_standard_error(raw(api, "post", f"{BASE}{draft.public_id}/items/", body), 400)
    assert errors[0]["field"] == "description"
    assert errors[0]["code"] == "invalid_character"
    assert not Item.objects.exists()


def test_a_lone_surrogate_deep_in_a_create_names_its_path(api):
    body = json.dumps({"title": "x", "parties": [PARTY, {**PARTY, "name": "\udc00"}]})
    errors = assert_standard_error(raw(api, "post", BASE, body), 400)
    assert errors[0]["field"] == "parties[1].name"
    assert not Notification.objects.exists()


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_party_name_is_refused(api, draft, char):
    response = api.post(
        f"{BASE}{draft.public_id}/parties/", {**PARTY, "name": f"Siam{char}Motor"}, format="json"
    )
    errors = assert_standard_error(response, 400)
    assert errors[0]["field"] == "name"
    assert not Party.objects.exists()


def test_a_line_break_is_refused_in_a_one_line_field_and_kept_in_a_multi_line_one(api, draft):
    url = f"{BASE}{draft.public_id}/parties/"
    refused = api.post(url, {**PARTY, "name": "Siam\nMotor"}, format="json")
    assert assert_standard_error(refused, 400)[0]["field"] == "name"
    assert not Party.objects.exists()
    accepted = api.post(url, {**PARTY, "address": "99 Bangna-Trad Road\n\tBangkok"}, format="json")
    assert accepted.status_code == 201, accepted.content
    assert Party.objects.get().address == "99 Bangna-Trad Road\n\tBangkok"


def test_the_header_refuses_a_control_character_by_field(api, draft):
    response = api.patch(f"{BASE}{draft.public_id}/", {"title": "Order\x0b 42"}, format="json")
    assert assert_standard_error(response, 400)[0]["field"] == "title"
    draft.refresh_from_db()
    assert draft.title == "CNC machine tools for an automotive plant"


def test_the_draft_services_refuse_control_characters_for_the_browser_too(draft, exporter):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        drafts.item_add(notification=draft, actor=exporter, **{**ITEM, "unit": "pcs\x00"})
    assert list(refused.value.message_dict) == ["unit"]
    with pytest.raises(ValidationError) as refused:
        drafts.checklist_save(
            notification=draft, actor=exporter, answers={"2": {"answer": "no", "note": "a\x1bb"}}
        )
    assert list(refused.value.message_dict) == ["check_2"]
    assert not Item.objects.exists()
    assert AuditEvent.objects.count() == before


# --- Property-based: arbitrary unicode and nesting at the filing endpoints ----------------------

FUZZ = hypothesis_settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
#: Any code point, surrogates and control characters included.
TEXT = st.text(
    st.characters(exclude_categories=())
    | st.sampled_from(["\ud800", "\udfff", "\x00", "\x1b", "\x85", "\n", "²", "１", "[", "{"]),
    max_size=40,
)
#: Values known to have broken a parser, a validator or the renderer somewhere.
NASTY = st.sampled_from(
    ["\ud800", "a\udfffb", "\x00", "x\x1by", "\x85", "²", "１", "line\nbreak", "\t", ""]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
ITEM_BODIES = st.fixed_dictionaries({}, optional={k: NASTY | TEXT | JSON for k in ITEM})
PARTY_BODIES = st.fixed_dictionaries({}, optional={k: NASTY | TEXT | JSON for k in PARTY})
HEADER_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "title": NASTY | TEXT,
        "destination_country": NASTY | TEXT,
        "end_use_description": NASTY | TEXT,
        "end_use_category": NASTY | TEXT,
        "inform_notice_received": JSON,
        "inform_notice": NASTY | TEXT | JSON,
        "planned_date": NASTY | TEXT | JSON,
        "items": st.lists(ITEM_BODIES, max_size=2) | JSON,
        "parties": st.lists(PARTY_BODIES, max_size=2) | JSON,
        "checklist": st.dictionaries(NASTY | TEXT, JSON, max_size=3) | JSON,
    },
)
#: Deep nesting, written out as text so that any depth (and unbalanced brackets) can be sent.
NESTING = st.builds(
    lambda opener, depth, tail: opener * depth + tail,
    st.sampled_from(["[", '{"a":', '[{"x":', '{"checklist":']),
    st.integers(min_value=1, max_value=5000),
    st.sampled_from(["", "1", "]", "}", '"\\ud800"']),
)


def _encode(body) -> bytes:
    # ``ensure_ascii`` writes a lone surrogate as the escape \udXXX, as a client would send it.
    return json.dumps(body, ensure_ascii=True).encode()


def _check(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert_standard_error(response, response.status_code)


@pytest.fixture
def fuzz_client(api, draft):
    return api, draft


@pytest.mark.parametrize("endpoint", ["create", "patch", "items", "parties", "checklist"])
def test_arbitrary_unicode_and_nesting_never_end_in_a_server_error(fuzz_client, endpoint):
    api, draft = fuzz_client
    method, url, bodies = {
        "create": ("post", BASE, HEADER_BODIES),
        "patch": ("patch", f"{BASE}{draft.public_id}/", HEADER_BODIES),
        "items": ("post", f"{BASE}{draft.public_id}/items/", ITEM_BODIES),
        "parties": ("post", f"{BASE}{draft.public_id}/parties/", PARTY_BODIES),
        "checklist": (
            "patch",
            f"{BASE}{draft.public_id}/checklist/",
            st.fixed_dictionaries(
                {"checklist": st.dictionaries(NASTY | TEXT, NASTY | JSON, max_size=3) | JSON}
            ),
        ),
    }[endpoint]

    @FUZZ
    @given(body=bodies.map(_encode) | NESTING.map(str.encode) | JSON.map(_encode))
    def throw(body):
        from django.core.cache import cache

        cache.clear()  # the fuzzer must not be stopped by the throttles
        _check(raw(api, method, url, body))

    throw()

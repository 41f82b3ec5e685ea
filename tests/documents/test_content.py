"""A frozen context thaws into the values it was made from, in JSON the database can hold."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from notifications.documents import content

TOKYO = ZoneInfo("Asia/Tokyo")


def test_dates_times_and_decimals_come_back_as_themselves():
    context = {
        "issued_at": datetime.datetime(2026, 12, 6, 10, 30, 5, 120000, tzinfo=TOKYO),
        "issued_on": datetime.date(2026, 12, 6),
        "items": [{"quantity": Decimal("2.50"), "value_jpy": 48_000_000, "hs_code": ""}],
        "title": ("事前届出受理票", "Notification receipt"),
        "permit": None,
        "declaration": {"accepted": True, "paragraphs": ["一", "二"]},
    }

    frozen = content.freeze(context)
    thawed = content.thaw(json.loads(json.dumps(frozen)))  # as the database gives it back

    assert thawed["issued_at"] == context["issued_at"]
    assert thawed["issued_at"].utcoffset() == datetime.timedelta(hours=9)
    assert thawed["issued_on"] == context["issued_on"]
    assert type(thawed["issued_on"]) is datetime.date
    assert thawed["items"][0]["quantity"] == Decimal("2.50")
    assert str(thawed["items"][0]["quantity"]) == "2.50"
    assert thawed["title"] == ["事前届出受理票", "Notification receipt"]
    assert thawed["permit"] is None
    assert thawed["declaration"] == context["declaration"]


def test_anything_but_plain_values_is_refused():
    with pytest.raises(TypeError, match="plain values"):
        content.freeze({"firm": object()})


def test_the_digest_does_not_depend_on_key_order_and_changes_with_any_value():
    first = content.freeze({"a": 1, "b": {"c": "x"}})
    same = content.freeze({"b": {"c": "x"}, "a": 1})
    assert content.content_digest(first) == content.content_digest(same)
    assert content.content_digest(first) != content.content_digest({"a": 1, "b": {"c": "y"}})

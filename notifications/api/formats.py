"""Values formatted exactly as DRF's own serializer fields format them.

The hot responses (a filing's parts, its status, the reviewer queue's rows) are built directly as
dicts: DRF copies every declared field on each serializer it makes, which was about 10 % of a filing
request's CPU and 40 % of a queue read's. These unbound fields and helpers give each value the
representation the generic serializer would; tests/api/test_direct_representations.py and
tests/review/test_api.py compare the direct responses with the generic ones on varied objects.
"""

from rest_framework import serializers

_BOOLEAN = serializers.BooleanField()
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()
QUANTITY = serializers.DecimalField(max_digits=14, decimal_places=3)


def text(value):
    """A ``CharField``'s representation (None when the attribute is None, as DRF gives)."""
    return None if value is None else str(value)


def choice(value):
    """A ``ChoiceField``'s representation of a stored choice: its plain string."""
    return value if value is None or value == "" else str(value)


def integer(value):
    return None if value is None else int(value)


def boolean(value):
    return None if value is None else _BOOLEAN.to_representation(value)


def date(value):
    return None if value is None else _DATE.to_representation(value)


def datetime(value):
    return None if value is None else _DATETIME.to_representation(value)

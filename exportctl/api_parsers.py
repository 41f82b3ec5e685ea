"""The API's JSON parser, with limits, and the character rule for text input.

Python's ``json`` module parses nested arrays by recursion, so a body of 100,000 ``[`` ends in a
``RecursionError`` (a 500) after the parser has spent its time; and a body of any size is read
whole into memory. This parser refuses, before decoding, a body larger than
``settings.API_JSON_MAX_BYTES`` (413) and a body nested deeper than ``settings.API_JSON_MAX_DEPTH``
(400); after decoding it refuses any string (key or value) holding a lone surrogate or a control
character, naming where it is. Every refusal is an ``APIException`` and so takes the standard error
body (``exportctl.api_errors``).

Tab, line feed and carriage return pass the parser, since some fields hold several lines; the
draft services (``notifications.drafts``) refuse them in single-line fields, for the browser and
the API alike, with :func:`text_problem`.
"""

import codecs
import json
import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

#: A JSON string literal (escapes included), so that brackets inside strings do not count.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
#: Characters allowed in a multi-line text field besides printable ones.
MULTILINE_ALLOWED = frozenset("\t\n\r")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def nesting_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` JSON, without recursion."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored as text, or ``None`` when it may.

    A lone surrogate cannot be encoded as UTF-8 (PostgreSQL, the JSON renderer and the PDF all
    fail on it); a control character is invisible on screen and in the PDF and can break the
    CSV export and log lines, so neither is ever a legitimate part of a name or a description.
    """
    for char in value:
        if "\ud800" <= char <= "\udfff":
            return str(_("This text contains an invalid character (a lone surrogate)."))
        if multiline and char in MULTILINE_ALLOWED:
            continue
        if unicodedata.category(char) == "Cc":
            if char in MULTILINE_ALLOWED:
                return str(_("Keep this to a single line."))
            return str(
                _("This text contains a control character (U+%(code)04X), which is not allowed.")
                % {"code": ord(char)}
            )
    return None


def _path(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _first_bad_string(data, prefix: str = "") -> tuple[str | None, str] | None:
    """The path and problem of the first string in ``data`` that no field may hold.

    Recursion is safe here: the depth was bounded before decoding."""
    if isinstance(data, str):
        problem = text_problem(data, multiline=True)
        return (prefix or None, problem) if problem else None
    if isinstance(data, dict):
        for key, value in data.items():
            problem = text_problem(key, multiline=False)
            if problem:
                # The key itself cannot be echoed safely; name where it sits.
                return (prefix or None, problem)
            found = _first_bad_string(value, _path(prefix, key))
            if found:
                return found
    if isinstance(data, list):
        for index, value in enumerate(data):
            found = _first_bad_string(value, _path(prefix, index))
            if found:
                return found
    return None


class LimitedJSONParser(JSONParser):
    """``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``'s JSON parser: bounded size and depth, clean
    text."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
            )
        max_depth = settings.API_JSON_MAX_DEPTH
        if nesting_depth(raw) > max_depth:
            raise exceptions.ParseError(
                _("The JSON body is nested more than %(depth)s levels deep.")
                % {"depth": max_depth},
                code="too_deep",
            )
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text, parse_constant=self._refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON."), code="parse_error"
            ) from exc
        found = _first_bad_string(data)
        if found:
            field, problem = found
            raise exceptions.ValidationError(
                {field: [problem]} if field else [problem], code="invalid_character"
            )
        return data

    @staticmethod
    def _refuse_constant(name: str):
        # NaN and Infinity are not JSON; accepting them would store values no client can read.
        raise ValueError(f"{name} is not valid JSON")

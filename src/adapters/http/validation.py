"""Litestar's validation errors told field by field: which field, and why, in words.

Litestar reports each problem as `{"message", "key", "source"}`, where `key` is `data` for the
body as a whole and msgspec words the message (`Object missing required field `name``,
`Expected `str`, got `int``). A person wants `{"name": "required"}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# The handler parameter Litestar reads a request's body into.
BODY_PARAMETER = "data"
# Where `fields` says something of the body as a whole.
BODY_FIELD = "body"

_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")
_EXPECTED = re.compile(r"Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`")
_BOUNDED = re.compile(r"Expected `(?P<expected>[^`]+)` (?P<op>>=|<=|>|<) (?P<bound>\S+)$")
_BOUNDS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}
# What Litestar says of a body parameter it got nothing for (the request had no body).
_NO_BODY = {f"'{BODY_PARAMETER}'", f"Object missing required field `{BODY_PARAMETER}`"}

_TYPES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
    "object": "an object",
    "array": "an array",
}


def invalid_field(item: Mapping[str, object]) -> tuple[str, str]:
    """The field one of Litestar's error items is about, and why it is not valid."""
    key = str(item.get("key") or "")
    message = str(item.get("message") or "not valid")
    whole_body = key == BODY_PARAMETER
    if whole_body and message in _NO_BODY:
        return BODY_FIELD, "required: the request needs a JSON body"
    within = "" if whole_body or not key else key + "."
    if missing := _MISSING.match(message):
        return within + missing["field"], "required"
    if unknown := _UNKNOWN.match(message):
        return within + unknown["field"], "unknown field"
    return (BODY_FIELD if whole_body else key or "request"), _in_words(message)


def _in_words(message: str) -> str:
    """msgspec's `Expected `str`, got `int`` as `expected a string, got an integer`."""
    if expected := _EXPECTED.match(message):
        return f"expected {_type(expected['expected'])}, got {_type(expected['got'])}"
    if bounded := _BOUNDED.match(message):
        bound = f"{_BOUNDS[bounded['op']]} {bounded['bound']}"
        return f"expected {_type(bounded['expected'])} of {bound}"
    return message[:1].lower() + message[1:]


def _type(name: str) -> str:
    return " or ".join(_TYPES.get(part.strip(), part.strip()) for part in name.split("|"))

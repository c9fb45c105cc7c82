"""Lists over HTTP: one shape, `{"items": [...], "next_cursor": ...}`, one order, newest first,
pages of `limit` after an opaque `cursor`, and filters given as query parameters.

A cursor is the id of the last record of the page before (ids are time-ordered UUIDs), written
as 22 characters of base64url; anything else is not a cursor this API gave (422). Date filters
come in pairs, `<date>_since` (included) and `<date>_before` (excluded), over one date field of
the list's records; their values are ISO 8601, `Z` or an offset, a date alone meaning midnight
UTC and a time without an offset UTC.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from litestar.di import NamedDependency
from litestar.params import QueryParameter

from wooconnect.app.errors import ValidationFailed
from wooconnect.app.ports.persistence import DEFAULT_PAGE, Filters, Page, PageRequest, Span

MAX_LIMIT = 500

Limit = Annotated[
    int, QueryParameter(description="How many items a page holds", ge=1, le=MAX_LIMIT)
]
Cursor = Annotated[
    str | None,
    QueryParameter(description="Where the page starts: the `next_cursor` of the page before"),
]
_DATE = {"format": "date-time"}
Since = Annotated[
    str | None,
    QueryParameter(
        description="Only items dated at or after this moment (ISO 8601; a date is midnight UTC)",
        schema_extra=_DATE,
    ),
]
Before = Annotated[
    str | None,
    QueryParameter(
        description="Only items dated before this moment (ISO 8601; a date is midnight UTC)",
        schema_extra=_DATE,
    ),
]

_UNKNOWN_CURSOR = "not a cursor this API gave: start again from the first page"


def encode_cursor(record_id: str) -> str:
    """The cursor that continues after the record with this id."""
    return base64.urlsafe_b64encode(uuid.UUID(record_id).bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The record id in a cursor of ours; 422 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "==") if len(cursor) == 22 else b""
    except (binascii.Error, ValueError):
        raw = b""
    record_id = str(uuid.UUID(bytes=raw)) if len(raw) == 16 else None
    if record_id is None or encode_cursor(record_id) != cursor:
        raise ValidationFailed("the cursor is " + _UNKNOWN_CURSOR, {"cursor": _UNKNOWN_CURSOR})
    return record_id


def page_params(limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> PageRequest:
    """The page asked for: its size and the id of the record it starts after."""
    return PageRequest(None if cursor is None else decode_cursor(cursor), limit)


R = TypeVar("R")
Out = TypeVar("Out")
P = TypeVar("P")


def page_of(
    shape: Callable[[list[Out], str | None], P], out: Callable[[R], Out], page: Page[R]
) -> P:
    """A use case's page as the response page `shape`, each item made by `out`."""
    following = None if page.next_cursor is None else encode_cursor(page.next_cursor)
    return shape([out(item) for item in page.items], following)


def moment(parameter: str, text: str | None) -> datetime | None:
    """A date filter's value as a UTC moment; 422 naming `parameter` when it is none."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        why = "expected an ISO 8601 date or moment, such as 2024-05-01 or 2024-05-01T12:00:00Z"
        raise ValidationFailed(f"{parameter}: {why}", {parameter: why}) from None


def span(field: str, name: str, since: str | None, before: str | None) -> Span:
    """The records whose `field` lies between `<name>_since` and `<name>_before`."""
    return Span(field, moment(f"{name}_since", since), moment(f"{name}_before", before))


def created(created_since: Since = None, created_before: Before = None) -> Span:
    return span("created_at", "created", created_since, created_before)


def updated(updated_since: Since = None, updated_before: Before = None) -> Span:
    return span("updated_at", "updated", updated_since, updated_before)


def placed(placed_since: Since = None, placed_before: Before = None) -> Span:
    return span("placed_at", "placed", placed_since, placed_before)


def occurred(occurred_since: Since = None, occurred_before: Before = None) -> Span:
    return span("occurred_at", "occurred", occurred_since, occurred_before)


def received(received_since: Since = None, received_before: Before = None) -> Span:
    return span("received_at", "received", received_since, received_before)


def one_of(parameter: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """`value` when it is one of `allowed` (or absent); 422 naming `parameter` otherwise."""
    choices = sorted(allowed)
    if value is None or value in choices:
        return value
    why = "one of " + ", ".join(choices)
    raise ValidationFailed(f"{parameter} must be {why}", {parameter: why})


def not_empty(parameter: str, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValidationFailed(f"{parameter} must not be empty", {parameter: "must not be empty"})
    return value


def filters(*spans: Span, **equal: object) -> Filters:
    """The filters a list's query asked for: the given equalities and the spans with an end."""
    asked = tuple(s for s in spans if s.since is not None or s.before is not None)
    return Filters({name: value for name, value in equal.items() if value is not None}, asked)


def created_only(created: NamedDependency[Span]) -> Filters:
    """The filters of a list filtered by its records' creation alone."""
    return filters(created)


def page_asked(
    paging: NamedDependency[PageRequest], wanted: NamedDependency[Filters]
) -> PageRequest:
    """The page asked for, of the records the list's filters keep."""
    return paging.filtered(wanted)


def choices(*names: str) -> dict[str, Any]:
    """`schema_extra` listing a parameter's values in the OpenAPI document."""
    return {"enum": list(names)}

"""Timestamps as text, one way everywhere: UTC in ISO 8601 to the millisecond, with `Z`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_text(value: datetime) -> str:
    """`2024-05-01T12:00:00.000Z`; a naive value is taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

"""The ids that say what a log line is about (connection, location, job, delivery, task).

Use cases and adapters bind what they know; the logging adapter adds the current values to
every line. Standard library only: a `ContextVar`, so each request and each task run sees its
own values.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token

FIELDS = ("connection_id", "location_id", "job_id", "delivery_id", "task", "entity_id")
"""The context fields, in the order they are shown."""

_CONTEXT: ContextVar[Mapping[str, str] | None] = ContextVar("wooconnect_log_context", default=None)


def current_log_context() -> Mapping[str, str]:
    """The ids bound in the current request or task run."""
    return _CONTEXT.get() or {}


def _known(fields: Mapping[str, str | None]) -> dict[str, str]:
    """The ids given a value (`None` means not known here)."""
    return {name: str(value) for name, value in fields.items() if value is not None}


def bind_log_context(**fields: str | None) -> None:
    """Add ids to the current scope (`None` values are ignored). Call it inside a
    `log_context` block, which restores the previous ids when it ends."""
    known = _known(fields)
    if known:
        _CONTEXT.set({**current_log_context(), **known})


class log_context:
    """A scope whose log lines carry `fields` (plus the enclosing scope's ids).

    A class rather than a generator-based context manager: every request enters one.
    """

    __slots__ = ("_fields", "_token")
    _token: Token[Mapping[str, str] | None]

    def __init__(self, **fields: str | None) -> None:
        self._fields = fields

    def __enter__(self) -> None:
        self._token = _CONTEXT.set({**current_log_context(), **_known(self._fields)})

    def __exit__(self, *exc_info: object) -> None:
        _CONTEXT.reset(self._token)

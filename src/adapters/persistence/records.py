"""Rows and domain records. A table whose columns carry its record's field names needs no
mapping of its own: a record's column values are its fields (an enum by its value), and a
row (an ORM object or a plain result row) becomes the record by the same names, its enum
fields read back from their values."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any, Generic, TypeVar, get_type_hints

from sqlalchemy.ext.asyncio import AsyncSession

R = TypeVar("R")


_FIELDS: dict[type[Any], tuple[tuple[str, type[Enum] | None], ...]] = {}


def _fields(cls: type[Any]) -> tuple[tuple[str, type[Enum] | None], ...]:
    """The record type's field names, each with its enum type when it is one."""
    known = _FIELDS.get(cls)
    if known is None:
        hints = get_type_hints(cls)
        known = _FIELDS[cls] = tuple((f.name, _enum(hints[f.name])) for f in fields(cls))
    return known


def _enum(hint: object) -> type[Enum] | None:
    return hint if isinstance(hint, type) and issubclass(hint, Enum) else None


def values_of(record: object) -> dict[str, Any]:
    """The record's fields as column values, by name."""
    values: dict[str, Any] = {}
    for name, enum in _fields(type(record)):
        value = getattr(record, name)
        values[name] = value.value if enum is not None else value
    return values


def record_of(cls: type[R], row: Any) -> R:
    """The record of type `cls` that `row` holds."""
    values: dict[str, Any] = {}
    for name, enum in _fields(cls):
        value = getattr(row, name)
        values[name] = enum(value) if enum is not None else value
    return cls(**values)


class RowRepository(Generic[R]):
    """A repository of records stored a row each under their field names: added, and got by
    id."""

    _model: Any
    _record: type[R]

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, record: R) -> None:
        self._s.add(self._model(**values_of(record)))
        await self._s.flush()

    async def get(self, record_id: str) -> R | None:
        row = await self._s.get(self._model, record_id)
        return None if row is None else record_of(self._record, row)

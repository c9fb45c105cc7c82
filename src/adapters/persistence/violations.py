"""Constraints the database enforces (unique keys, foreign keys), refused as the application's
`Conflict`: the caller learns what it collided with, not the statement that failed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from wooconnect.app.errors import Conflict


@contextmanager
def refused_as_conflict(code: str, message: str) -> Iterator[None]:
    """A constraint violated in the block raises `Conflict(code, message)`."""
    try:
        yield
    except IntegrityError:
        raise Conflict(code, message) from None

"""Telling a database that cannot be reached for now from a failure of the code that used it.

While PostgreSQL is down, restarting or out of connections, or SQLite's file is locked longer
than the busy timeout, the request did nothing wrong: the API answers 503 with `Retry-After`
(`adapters.http.errors`) instead of a 500, and the caller tries again.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc as sql

# Errors that say so whatever they say: a connection refused, dropped or timed out, no name
# resolution, a pool with no connection to give; and asyncpg's errors of a connection lost or
# refused (SQLSTATE class 08), of a server shutting down, starting or cancelling (57), and of
# one out of resources (53: connections, memory, disk).
_UNAVAILABLE = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    sql.TimeoutError,
    sql.DisconnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
)
# What SQLite says when its file cannot be used for now.
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)


def database_unavailable(error: BaseException) -> str | None:
    """Why the database cannot be reached for now, when `error` (or an error it was raised
    from) says so: a connection refused, dropped or timed out, a pool with no connection to
    give, a server starting, stopping or out of resources, SQLite's file locked or unusable.
    None for any other error."""
    for cause in _chain(error):
        if _says_unavailable(cause):
            said = str(cause.orig if isinstance(cause, sql.DBAPIError) else cause)
            return f"{type(cause).__name__}: {said.splitlines()[0] if said else 'no message'}"
    return None


def _says_unavailable(error: BaseException) -> bool:
    if isinstance(error, sql.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_UNAVAILABLE)
    return isinstance(error, _UNAVAILABLE)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and the errors it was raised from or during, each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__

"""Shared fixtures: units of work over each storage the service supports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.fakes.memory import FakeClock, InMemoryUnitOfWorkFactory
from tests.support.databases import fresh_postgres_database, fresh_sqlite_database
from tests.support.services import require_postgres
from wooconnect.adapters.crypto import FernetCipher
from wooconnect.adapters.persistence.database import create_engine, session_factory
from wooconnect.adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from wooconnect.app.ports.persistence import UnitOfWork

TEST_FERNET_KEY = "xJ8T0dkkmvR7zJrLWkcxmPeCJ8mJXz6d4k8ySkq6wBw="


class StorageUnderTest:
    """A unit-of-work factory plus what tests need to look beneath it."""

    def __init__(
        self, kind: str, make: Callable[[], UnitOfWork], clock: FakeClock, url: str | None
    ) -> None:
        self.kind = kind
        self.make = make
        self.clock = clock
        self.url = url

    def __call__(self) -> UnitOfWork:
        return self.make()


@pytest.fixture(params=["memory", "sqlite", "sqlite-on-loop", "postgres"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[StorageUnderTest]:
    """The same contract, run against the in-memory fake, SQLite (as the API opens it, and as
    a worker does, on the loop's thread) and PostgreSQL."""
    clock = FakeClock()
    if request.param == "memory":
        factory = InMemoryUnitOfWorkFactory(clock)
        yield StorageUnderTest("memory", factory, clock, None)
        return
    if request.param == "postgres":
        require_postgres()
        context = fresh_postgres_database()
    else:
        context = fresh_sqlite_database(tmp_path)
    async with context as url:
        engine = create_engine(url, sqlite_on_loop=request.param == "sqlite-on-loop")
        sessions = session_factory(engine)
        cipher = FernetCipher(TEST_FERNET_KEY)
        kind = "sqlite" if request.param == "sqlite-on-loop" else request.param
        try:
            yield StorageUnderTest(
                kind, lambda: SqlAlchemyUnitOfWork(sessions, cipher, clock), clock, url
            )
        finally:
            await engine.dispose()

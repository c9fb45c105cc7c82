"""The composition root: the one place that turns settings into running adapters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.crypto import FernetCipher
from adapters.persistence.database import create_engine, session_factory
from adapters.persistence.migrate import upgrade_async
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from adapters.settings import Secrets, Settings, resolve_secrets
from adapters.worker.dramatiq_broker import DramatiqJobQueue, make_broker
from adapters.worker.inprocess import InProcessJobQueue
from app.ports.basics import Cipher, Clock

WorkerQueue = InProcessJobQueue | DramatiqJobQueue


@dataclass
class Container:
    """Everything a process (API or worker) shares; built once, closed once."""

    settings: Settings
    secrets: Secrets
    engine: AsyncEngine
    clock: Clock
    cipher: Cipher
    job_queue: WorkerQueue
    """Dramatiq on Redis when WOOCONNECT_REDIS_URL is set, else the in-process worker's queue
    (whose consumers `serve` starts; see `adapters.worker.runtime`)."""

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions, self.cipher, self.clock)

    def __post_init__(self) -> None:
        self._sessions = session_factory(self.engine)

    async def database_ready(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def redis_ready(self) -> bool | None:
        """Whether Redis answers; None when the service runs without Redis."""
        if isinstance(self.job_queue, DramatiqJobQueue):
            return await self.job_queue.ping()
        return None

    async def close(self) -> None:
        try:
            await self.job_queue.close()
        finally:
            await self.engine.dispose()


async def bootstrap(settings: Settings | None = None, *, migrate: bool | None = None) -> Container:
    """Build the container from `settings` (the environment by default).

    The embedded default migrates its SQLite file on start, so one command runs the service;
    elsewhere migrations are the operator's step (`wooconnect db upgrade`).
    """
    settings = settings or Settings.from_env()
    secrets = resolve_secrets(settings)
    if migrate if migrate is not None else settings.database_url.startswith("sqlite"):
        await upgrade_async(settings.database_url)
    return Container(
        settings=settings,
        secrets=secrets,
        engine=create_engine(settings.database_url),
        clock=SystemClock(),
        cipher=FernetCipher(secrets.secret_key),
        job_queue=_job_queue(settings),
    )


def _job_queue(settings: Settings) -> WorkerQueue:
    if settings.redis_url is not None:
        return DramatiqJobQueue(make_broker(settings.redis_url))
    return InProcessJobQueue()

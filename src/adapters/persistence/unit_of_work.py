"""The SQLAlchemy unit of work: one AsyncSession, one transaction, every repository."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wooconnect.adapters.persistence.crm_repos import (
    SqlContactRepository,
    SqlOrderRepository,
    SqlTransactionRepository,
)
from wooconnect.adapters.persistence.crm_writes import CrmWrites
from wooconnect.adapters.persistence.ops_repos import (
    SqlDecisionRepository,
    SqlImportJobRepository,
    SqlInboxRepository,
    SqlTriggerRepository,
)
from wooconnect.adapters.persistence.subscription_repos import (
    SqlSubscriptionRepository,
    SqlTriggerDeliveryRepository,
)
from wooconnect.adapters.persistence.tenancy_repos import (
    SqlAgencyRepository,
    SqlApiKeyRepository,
    SqlConnectionRepository,
    SqlGrantStateRepository,
    SqlLocationRepository,
    SqlStoreBindingRepository,
)
from wooconnect.app.ports.basics import Cipher, Clock
from wooconnect.app.ports.persistence import UnitOfWork

log = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork(UnitOfWork):
    """Repositories share one session. The session begins a transaction on first use, so a
    unit of work may commit several times (an import commits once per page)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cipher: Cipher, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._cipher = cipher
        self._clock = clock
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self._session: AsyncSession | None = None
        self._crm: CrmWrites | None = None

    async def __aenter__(self) -> Self:
        session = self._sessions()
        self._session = session
        self._after_commit = []
        crm = self._crm = CrmWrites(session)
        self.agencies = SqlAgencyRepository(session)
        self.locations = SqlLocationRepository(session)
        self.api_keys = SqlApiKeyRepository(session)
        self.connections = self._connections = SqlConnectionRepository(session, self._cipher)
        self.bindings = SqlStoreBindingRepository(session)
        self.contacts = SqlContactRepository(session, crm)
        self.orders = SqlOrderRepository(session, crm)
        self.transactions = SqlTransactionRepository(session, crm)
        self.import_jobs = SqlImportJobRepository(session)
        self.inbox = self._inbox = SqlInboxRepository(session)
        self.triggers = SqlTriggerRepository(session, crm)
        self.decisions = self._decisions = SqlDecisionRepository(session)
        self.grants = SqlGrantStateRepository(session)
        self.subscriptions = self._subscriptions = SqlSubscriptionRepository(session, self._cipher)
        self.trigger_deliveries = SqlTriggerDeliveryRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        self._session = None
        self._crm = None
        if session is None:
            return
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._after_commit = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._session

    async def commit(self) -> None:
        session = self.session
        if self._crm is not None:
            await self._crm.flush()
            self._crm.forget()
        await self._decisions.flush()
        await session.commit()
        self._forget_reads()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                await callback()
            except Exception:
                # The data is durable; whatever was not sent is picked up by the sweepers.
                log.exception("after-commit action failed")

    async def rollback(self) -> None:
        self._decisions.forget()
        if self._crm is not None:
            self._crm.forget()
        await self.session.rollback()
        self._forget_reads()
        self._after_commit = []

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(callback)

    def _forget_reads(self) -> None:
        # What a repository kept of the transaction that ended is not to answer the next.
        self._connections.forget()
        self._inbox.forget()
        self._subscriptions.forget()

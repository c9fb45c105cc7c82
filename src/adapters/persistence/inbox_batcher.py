"""The receiver's inbox intake (`app.ports.persistence.InboxIntake`) as a group commit:
deliveries received at about the same time are stored in one transaction, each receiver is
answered only once that transaction has committed, and the stored ones are then handed on.

A transaction costs far more than a row (a round trip to the database, the commit's write to
disk, a session), so under load one per delivery is what limits the receiver. Every request
submits its delivery and waits; one runner (`adapters.group_commit`) writes all the deliveries
waiting at that moment, with one multi-row insert, while new ones gather for its next turn.
Before it cuts a batch it lets the event loop turn while deliveries keep joining (a few turns
at most: requests already read, not requests yet to come), because a write on the loop stops
it from reading the requests behind; a lone delivery is written at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from wooconnect.adapters.group_commit import GroupCommit, Pending
from wooconnect.app.ports.persistence import UnitOfWorkFactory
from wooconnect.domain.inbox import InboxDelivery

log = logging.getLogger(__name__)

# Deliveries written by one transaction at most: keeps the statement well under the bound
# parameters SQLite and PostgreSQL accept, and a transaction short enough not to stall others.
MAX_BATCH = 200

# Loop turns the runner waits at most, while deliveries keep arriving, before cutting a batch.
GATHER_TURNS = 8

OnStored = Callable[[Sequence[InboxDelivery]], Awaitable[None]]


class InboxWriter(Protocol):
    """Stores webhook deliveries in a transaction of its own: the unit of work, or a faster
    writer where the database has one (`sqlite_inbox.SqliteInboxWriter`)."""

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        """As `InboxRepository.add_many_if_new`, committed before it returns."""
        ...

    async def close(self) -> None: ...


class InboxBatcherClosed(RuntimeError):
    """The batcher was closed: the delivery was not stored."""


class InboxBatcher:
    """An `InboxIntake` that stores deliveries through `writer` in shared transactions; `add`
    answers whether the delivery was new.

    `on_stored` is called with deliveries transactions stored (not the duplicates), after
    their commit: it hands them to the workers. It runs in a task of its own, beside the next
    transaction and the answers, so a slow or unreachable broker delays neither: what it fails
    to send, or what a crash keeps it from sending, the inbox still holds, and the sweeper
    sends. One call runs at a time; deliveries stored meanwhile go together in the next one,
    as transactions group requests. It should not raise; if it does, the failure is logged.
    """

    def __init__(self, writer: InboxWriter, on_stored: OnStored, *, max_batch: int = MAX_BATCH):
        self._group: GroupCommit[InboxDelivery, bool] = GroupCommit(
            self._write,
            max_batch=max_batch,
            stopped=lambda exc: InboxBatcherClosed(f"the inbox writer stopped: {exc!r}"),
            gather_turns=GATHER_TURNS,
            name="inbox-batcher",
        )
        self._writer = writer
        self._on_stored = on_stored
        self._stored: list[InboxDelivery] = []
        self._handing_over: asyncio.Task[None] | None = None
        self._closed = False

    async def add(self, delivery: InboxDelivery) -> bool:
        """Store `delivery` unless its (connection, dedupe key) is stored already; True when
        it was new. Returns once the transaction that holds it has committed; raises what the
        transaction raised if it failed (nothing of that batch is durable: the store sends its
        delivery again)."""
        if self._closed:
            raise InboxBatcherClosed("the receiver is stopping")
        # A request that is cancelled while waiting leaves its delivery to be stored all the
        # same; the store sends it again (no 200 came back) and the copy is a duplicate.
        return await self._group.submit(delivery)

    async def close(self) -> None:
        """Write what is waiting, let the hand-overs finish, and refuse new deliveries."""
        self._closed = True
        await self._group.wait_idle()
        if self._handing_over is not None:
            await asyncio.wait({self._handing_over})
        await self._writer.close()

    async def _write(self, batch: list[Pending[InboxDelivery, bool]]) -> None:
        stored = await self._writer.add_many_if_new([p.item for p in batch])
        self._stored += [p.item for p in batch if p.item.id in stored]
        if self._stored and self._handing_over is None:
            # Started before the answers, so that its first step (a queue that need not wait
            # sends everything in it) runs before any request resumes.
            self._handing_over = asyncio.get_running_loop().create_task(
                self._hand_over(), name="inbox-hand-over"
            )
        for pending in batch:
            pending.resolve(pending.item.id in stored)

    async def _hand_over(self) -> None:
        try:
            while self._stored:
                # All of it, however much gathered: while a broker is slow to answer, each
                # hand-over takes what arrived during the last one, so what waits in memory
                # stays bounded by the arrival rate times one hand-over.
                new, self._stored = self._stored, []
                try:
                    await self._on_stored(new)
                except Exception:
                    log.exception(
                        "stored deliveries were not handed over; the sweeper will send them"
                    )
        finally:
            self._handing_over = None


class UnitOfWorkInboxWriter:
    """Writes through a unit of work: the writer wherever the database has no faster one."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def add_many_if_new(self, deliveries: Sequence[InboxDelivery]) -> set[str]:
        async with self._uow() as uow:
            stored = await uow.inbox.add_many_if_new(deliveries)
            await uow.commit()
        return stored

    async def close(self) -> None:
        return None

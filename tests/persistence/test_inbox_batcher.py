"""Group commit of the webhook inbox: shared transactions, answers only after the commit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tests.fakes.memory import FakeClock, InMemoryUnitOfWork, InMemoryUnitOfWorkFactory
from wooconnect.adapters.persistence.inbox_batcher import (
    InboxBatcher,
    InboxBatcherClosed,
    UnitOfWorkInboxWriter,
)
from wooconnect.app.errors import JobQueueUnavailable
from wooconnect.app.receiving import Handover as QueueHandover
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import InboxDelivery

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def delivery(key: str, connection_id: str = "c1") -> InboxDelivery:
    return InboxDelivery(
        new_id(), connection_id, key, "order.created", "order", 1, T0, b"{}", T0, enqueued_at=T0
    )


class CountingUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, factory: CountingFactory) -> None:
        super().__init__(factory.state, factory.clock)
        self._factory = factory

    async def commit(self) -> None:
        # A commit takes time, as a database's does: submissions arrive meanwhile.
        await asyncio.sleep(0.001)
        if self._factory.fail_commits:
            raise ConnectionError("the database went away")
        await super().commit()
        self._factory.commits.append(len(self._working.inbox))


class CountingFactory(InMemoryUnitOfWorkFactory):
    """In-memory units of work that count commits and can be made to fail them."""

    def __init__(self) -> None:
        super().__init__(FakeClock(T0))
        self.commits: list[int] = []
        self.fail_commits = False

    def __call__(self) -> CountingUnitOfWork:
        return CountingUnitOfWork(self)


@dataclass
class Handover:
    batches: list[list[str]] = field(default_factory=list)

    async def __call__(self, deliveries: Sequence[InboxDelivery]) -> None:
        self.batches.append([d.id for d in deliveries])


async def test_concurrent_deliveries_share_one_transaction() -> None:
    uow = CountingFactory()
    handover = Handover()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), handover)
    deliveries = [delivery(f"k{n}") for n in range(50)]

    stored = await asyncio.gather(*(batcher.add(d) for d in deliveries))

    assert stored == [True] * 50
    assert len(uow.commits) == 1
    assert set(uow.state.inbox) == {d.id for d in deliveries}
    assert handover.batches == [[d.id for d in deliveries]]


async def test_a_lone_delivery_is_written_at_once_and_later_ones_gather() -> None:
    uow = CountingFactory()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), Handover())
    first = asyncio.create_task(batcher.add(delivery("first")))
    await asyncio.sleep(0.0005)  # nothing else arrives: the first transaction has started
    later = [asyncio.create_task(batcher.add(delivery(f"k{n}"))) for n in range(10)]
    assert await first
    assert all(await asyncio.gather(*later))
    # One transaction for the first, one for all that came while it was being written.
    assert uow.commits == [1, 11]


async def test_deliveries_arriving_over_a_few_loop_turns_join_one_transaction() -> None:
    uow = CountingFactory()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), Handover())

    async def arrive(n: int) -> bool:
        # As requests read from several sockets reach the receiver one loop turn apart.
        for _ in range(n):
            await asyncio.sleep(0)
        return await batcher.add(delivery(f"k{n}"))

    assert all(await asyncio.gather(*(arrive(n) for n in range(5))))
    assert uow.commits == [5]


async def test_deliveries_stored_while_a_hand_over_runs_go_together_in_the_next() -> None:
    release = asyncio.Event()
    handed: list[int] = []

    async def slow_broker(deliveries: Sequence[InboxDelivery]) -> None:
        handed.append(len(deliveries))
        await release.wait()

    uow = CountingFactory()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), slow_broker, max_batch=2)
    assert await batcher.add(delivery("first"))
    # Three more transactions are answered while the first hand-over waits on the broker.
    assert all(await asyncio.gather(*(batcher.add(delivery(f"k{n}")) for n in range(6))))
    assert uow.commits == [1, 3, 5, 7]
    assert handed == [1]
    release.set()
    await batcher.close()
    # All that was stored meanwhile, whatever the transactions' bound: a slow broker does not
    # leave deliveries piling up behind it.
    assert handed == [1, 6]


async def test_batches_are_bounded() -> None:
    uow = CountingFactory()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), Handover(), max_batch=4)
    await asyncio.gather(*(batcher.add(delivery(f"k{n}")) for n in range(10)))
    assert len(uow.commits) == 3


async def test_duplicates_within_a_batch_and_of_stored_deliveries_are_reported() -> None:
    uow = CountingFactory()
    handover = Handover()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), handover)
    assert await batcher.add(delivery("stored"))
    twin_a, twin_b, again, fresh = (
        delivery("twin"),
        delivery("twin"),
        delivery("stored"),
        delivery("fresh"),
    )

    answers = await asyncio.gather(*(batcher.add(d) for d in (twin_a, twin_b, again, fresh)))

    assert answers == [True, False, False, True]
    assert handover.batches[-1] == [twin_a.id, fresh.id]
    assert twin_b.id not in uow.state.inbox
    assert again.id not in uow.state.inbox


async def test_a_failed_commit_fails_every_delivery_of_its_batch() -> None:
    uow = CountingFactory()
    handover = Handover()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), handover)
    uow.fail_commits = True

    answers = await asyncio.gather(
        *(batcher.add(delivery(f"k{n}")) for n in range(5)), return_exceptions=True
    )

    assert all(isinstance(a, ConnectionError) for a in answers)
    assert uow.state.inbox == {}
    assert handover.batches == []
    uow.fail_commits = False
    assert await batcher.add(delivery("after"))  # the next batch is written as usual


async def test_a_slow_hand_over_delays_neither_answers_nor_the_next_transaction() -> None:
    uow = CountingFactory()
    released = asyncio.Event()
    handed: list[str] = []

    async def slow_handover(deliveries: Sequence[InboxDelivery]) -> None:
        await released.wait()
        handed.extend(d.id for d in deliveries)

    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), slow_handover)
    assert await asyncio.wait_for(batcher.add(delivery("a")), 1)
    assert await asyncio.wait_for(batcher.add(delivery("b")), 1)
    assert len(uow.commits) == 2
    assert handed == []
    released.set()
    await batcher.close()  # waits for the hand-overs
    assert len(handed) == 2


async def test_close_writes_what_waits_then_refuses() -> None:
    uow = CountingFactory()
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), Handover())
    pending = [asyncio.create_task(batcher.add(delivery(f"k{n}"))) for n in range(3)]
    await asyncio.sleep(0)
    await batcher.close()
    assert all(task.done() and task.result() for task in pending)
    with pytest.raises(InboxBatcherClosed):
        await batcher.add(delivery("late"))


@dataclass
class BrokenBulkQueue:
    """A queue whose broker is down, for one task or many."""

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        raise JobQueueUnavailable("Redis is down")

    async def enqueue_many(self, task: str, entity_ids: Sequence[str]) -> None:
        raise JobQueueUnavailable("Redis is down")


async def test_deliveries_not_sent_are_left_to_the_sweeper() -> None:
    uow = CountingFactory()
    handover = QueueHandover(uow, BrokenBulkQueue())
    batcher = InboxBatcher(UnitOfWorkInboxWriter(uow), handover.send_many)
    deliveries = [delivery(f"k{n}") for n in range(4)]

    assert all(await asyncio.gather(*(batcher.add(d) for d in deliveries)))
    await batcher.close()  # the hand-over has been tried

    assert all(uow.state.inbox[d.id].enqueued_at is None for d in deliveries)
    uow.clock.advance(seconds=5)
    async with uow() as work:
        unsent = await work.inbox.list_unsent(uow.clock.now(), uow.clock.now(), 10)
    assert {d.id for d in unsent} == {d.id for d in deliveries}

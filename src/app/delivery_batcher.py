"""Group commit for processing webhook deliveries: deliveries that workers take up at about the
same time are processed in one transaction, and each worker's task ends once that transaction
has committed.

Every delivery arrives as its own message and keeps its own retry policy; only the transaction
is shared. A transaction costs more than a delivery's own statements (the database's write
lock, the commit), so under load one per delivery is what limits the workers. As with the
receiver (`app.inbox_batcher`), grouping never makes a delivery wait for others to arrive: when
nothing is being processed, a delivery is processed at once.

When a shared transaction fails, none of its deliveries took effect, and each is processed
again on its own: a delivery that cannot be processed fails alone, with its own error, and the
others are not held back by it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

# Deliveries processed by one transaction at most: keeps the database's write lock short.
MAX_BATCH = 50

ProcessMany = Callable[[Sequence[str]], Awaitable[None]]
ProcessOne = Callable[[str], Awaitable[None]]


class DeliveryBatcherStopped(RuntimeError):
    """The batcher stopped before processing the delivery (the loop is closing)."""


@dataclass(frozen=True, slots=True)
class _Waiting:
    delivery_id: str
    done: asyncio.Future[None]


class DeliveryBatcher:
    """`process(id)` returns once the delivery is processed, or raises what processing it on
    its own raised."""

    def __init__(
        self, process_many: ProcessMany, process_one: ProcessOne, *, max_batch: int = MAX_BATCH
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._process_many = process_many
        self._process_one = process_one
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._runner: asyncio.Task[None] | None = None

    async def process(self, delivery_id: str) -> None:
        loop = asyncio.get_running_loop()
        waiting = _Waiting(delivery_id, loop.create_future())
        self._waiting.append(waiting)
        if self._runner is None:
            self._runner = loop.create_task(self._run(), name="delivery-batcher")
        # A task cancelled here (its time limit) leaves the delivery to be processed all the
        # same; its retry then finds it processed, which processing by id tolerates.
        await waiting.done

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._process(batch)
        except BaseException as exc:
            stranded, self._waiting = self._waiting, []
            for waiting in stranded:
                _fail(waiting, DeliveryBatcherStopped(f"delivery processing stopped: {exc!r}"))
            raise
        finally:
            self._runner = None

    async def _process(self, batch: list[_Waiting]) -> None:
        try:
            if len(batch) > 1:
                await self._process_many([w.delivery_id for w in batch])
                for waiting in batch:
                    _done(waiting)
                return
        except Exception:  # noqa: S110 - each delivery is processed again on its own below
            pass
        except BaseException as exc:
            for waiting in batch:
                _fail(waiting, DeliveryBatcherStopped(f"delivery processing stopped: {exc!r}"))
            raise
        for waiting in batch:
            try:
                await self._process_one(waiting.delivery_id)
            except Exception as exc:
                _fail(waiting, exc)
            except BaseException as exc:
                for stranded in batch:
                    _fail(stranded, DeliveryBatcherStopped(f"delivery processing stopped: {exc!r}"))
                raise
            else:
                _done(waiting)


def _done(waiting: _Waiting) -> None:
    if not waiting.done.done():
        waiting.done.set_result(None)


def _fail(waiting: _Waiting, exc: BaseException) -> None:
    if not waiting.done.done():
        waiting.done.set_exception(exc)

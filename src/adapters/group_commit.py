"""Group commit: callers hand in one item each and wait; a single runner takes the items waiting
at that moment and deals with them together (typically in one transaction), while new ones
gather for its next turn, then answers each caller.

A transaction costs far more than one item's own statements (a round trip to the database,
the commit, the write lock), so under load one per item is what limits throughput. Grouping
never makes an item wait for others to arrive: when nothing is running, the runner starts at
once. The receiver's inbox (`adapters.persistence.inbox_batcher`) and the workers' delivery
processing (`adapters.worker.delivery_batcher`) are both built on it; each decides what a batch
does and what a caller hears.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class Pending(Generic[T, R]):
    """An item handed in, and the answer its caller waits for."""

    item: T
    answer: asyncio.Future[R]

    def resolve(self, value: R) -> None:
        if not self.answer.done():
            self.answer.set_result(value)

    def fail(self, exc: BaseException) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


@dataclass(eq=False)
class GroupCommit(Generic[T, R]):
    """Runs `run_batch` on up to `max_batch` waiting items at a time, one batch after another.

    `run_batch` answers each item of its batch (`resolve` or `fail`). The items it leaves
    unanswered fail: with the exception it raised, or, for a `BaseException` (the task was
    cancelled, the loop is closing), with `stopped(exc)`, as do the items still waiting, and
    the runner stops.

    `gather_turns`: before cutting a batch, let the event loop turn up to this many times while
    items keep arriving, for callers whose items the loop has already received but not yet
    handed in (a batch that runs on the loop stops it from reading the requests behind).
    """

    run_batch: Callable[[list[Pending[T, R]]], Awaitable[None]]
    _: KW_ONLY
    max_batch: int
    stopped: Callable[[BaseException], BaseException]
    gather_turns: int = 0
    name: str = "group-commit"
    _waiting: list[Pending[T, R]] = field(default_factory=list, init=False, repr=False)
    _runner: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ValueError("max_batch must be at least 1")

    async def submit(self, item: T) -> R:
        """Hand in `item`; returns (or raises) its answer once its batch has run.

        A caller cancelled while waiting leaves its item to be dealt with all the same.
        """
        loop = asyncio.get_running_loop()
        pending: Pending[T, R] = Pending(item, loop.create_future())
        self._waiting.append(pending)
        if self._runner is None:
            self._runner = loop.create_task(self._run(), name=self.name)
        return await pending.answer

    async def wait_idle(self) -> None:
        """Wait until every item handed in so far has been dealt with."""
        if self._runner is not None:
            await asyncio.wait({self._runner})

    async def _run(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                try:
                    await self.run_batch(batch)
                except Exception as exc:
                    for pending in batch:
                        pending.fail(exc)
                except BaseException as exc:
                    for pending in batch:
                        pending.fail(self.stopped(exc))
                    raise
                for pending in batch:
                    pending.fail(RuntimeError(f"{self.name}: the batch left this item unanswered"))
        except BaseException as exc:
            stranded, self._waiting = self._waiting, []
            for pending in stranded:
                pending.fail(self.stopped(exc))
            raise
        finally:
            self._runner = None

    async def _gather(self) -> None:
        for _ in range(self.gather_turns):
            before = len(self._waiting)
            if before >= self.max_batch:
                return
            await asyncio.sleep(0)
            if len(self._waiting) == before:
                return

"""Group commit for processing webhook deliveries: deliveries that workers take up at about the
same time are processed in one transaction, and each worker's task ends once that transaction
has committed.

Deliveries arrive in messages of one or many ids; a delivery that fails is retried in a message
of its own (`actors.declare_actors`), so each keeps its own retry policy; only the transaction
is shared. A transaction costs more than a delivery's own statements (the database's write
lock, the commit), so under load one per delivery is what limits the workers. As with the
receiver (`adapters.persistence.inbox_batcher`), the grouping is `adapters.group_commit`'s: it
never makes a delivery wait for others to arrive; when nothing is being processed, a delivery
is processed at once.

When a shared transaction fails, none of its deliveries took effect, and each is processed
again on its own: a delivery that cannot be processed fails alone, with its own error, and the
others are not held back by it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from wooconnect.adapters.group_commit import GroupCommit, Pending

# Deliveries processed by one transaction at most: keeps the database's write lock short.
MAX_BATCH = 50

ProcessMany = Callable[[Sequence[str]], Awaitable[None]]
ProcessOne = Callable[[str], Awaitable[None]]


class DeliveryBatcherStopped(RuntimeError):
    """The batcher stopped before processing the delivery (the loop is closing)."""


class DeliveryBatcher:
    """`process(id)` returns once the delivery is processed, or raises what processing it on
    its own raised."""

    def __init__(
        self, process_many: ProcessMany, process_one: ProcessOne, *, max_batch: int = MAX_BATCH
    ) -> None:
        self._process_many = process_many
        self._process_one = process_one
        self._group: GroupCommit[str, None] = GroupCommit(
            self._process,
            max_batch=max_batch,
            stopped=lambda exc: DeliveryBatcherStopped(f"delivery processing stopped: {exc!r}"),
            name="delivery-batcher",
        )

    async def process(self, delivery_id: str) -> None:
        # A task cancelled here (its time limit) leaves the delivery to be processed all the
        # same; its retry then finds it processed, which processing by id tolerates.
        await self._group.submit(delivery_id)

    async def _process(self, batch: list[Pending[str, None]]) -> None:
        if len(batch) > 1:
            try:
                await self._process_many([p.item for p in batch])
            except Exception:  # noqa: S110 - each delivery is processed again on its own below
                pass
            else:
                for pending in batch:
                    pending.resolve(None)
                return
        for pending in batch:
            try:
                await self._process_one(pending.item)
            except Exception as exc:
                pending.fail(exc)
            else:
                pending.resolve(None)

"""Deliveries taken up together are processed in one transaction; a delivery alone is
processed at once; when a shared transaction fails, each delivery is processed on its own
and fails, or not, by itself."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from wooconnect.adapters.worker.delivery_batcher import DeliveryBatcher


class Recorder:
    def __init__(self, *, failing_batches: bool = False, failing: set[str] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.alone: list[str] = []
        self.failing_batches = failing_batches
        self.failing = failing or set()

    async def many(self, ids: Sequence[str]) -> None:
        await asyncio.sleep(0.01)
        if self.failing_batches:
            raise RuntimeError("the shared transaction failed")
        self.batches.append(list(ids))

    async def one(self, delivery_id: str) -> None:
        await asyncio.sleep(0)
        if delivery_id in self.failing:
            raise ValueError(f"{delivery_id} cannot be processed")
        self.alone.append(delivery_id)


async def test_a_delivery_alone_is_processed_at_once_on_its_own() -> None:
    recorder = Recorder()
    batcher = DeliveryBatcher(recorder.many, recorder.one)
    await batcher.process("d1")
    assert (recorder.alone, recorder.batches) == (["d1"], [])


async def test_deliveries_arriving_while_one_is_processed_share_the_next_transaction() -> None:
    recorder = Recorder()
    gate = asyncio.Event()

    async def slow_one(delivery_id: str) -> None:
        await gate.wait()
        recorder.alone.append(delivery_id)

    batcher = DeliveryBatcher(recorder.many, slow_one)
    first = asyncio.create_task(batcher.process("d1"))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(batcher.process(f"d{n}")) for n in range(2, 6)]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, *rest)
    assert recorder.alone == ["d1"]
    assert recorder.batches == [["d2", "d3", "d4", "d5"]]


async def test_a_batch_never_exceeds_its_bound() -> None:
    recorder = Recorder()
    batcher = DeliveryBatcher(recorder.many, recorder.one, max_batch=3)
    await asyncio.gather(*(batcher.process(f"d{n}") for n in range(7)))
    assert all(len(batch) <= 3 for batch in recorder.batches)
    processed = recorder.alone + [d for batch in recorder.batches for d in batch]
    assert sorted(processed) == sorted(f"d{n}" for n in range(7))


async def test_when_the_shared_transaction_fails_each_delivery_fails_or_succeeds_alone() -> None:
    recorder = Recorder(failing_batches=True, failing={"d3"})
    batcher = DeliveryBatcher(recorder.many, recorder.one)
    results = await asyncio.gather(
        *(batcher.process(f"d{n}") for n in range(1, 5)), return_exceptions=True
    )
    assert [type(r).__name__ if r else None for r in results] == [None, None, "ValueError", None]
    assert sorted(recorder.alone) == ["d1", "d2", "d4"]


def test_a_batch_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DeliveryBatcher(Recorder().many, Recorder().one, max_batch=0)

"""The group-commit runner both batchers share: every caller hears back, whatever a batch does."""

from __future__ import annotations

import asyncio

import pytest

from wooconnect.adapters.group_commit import GroupCommit, Pending


class Stopped(RuntimeError):
    pass


def group(run_batch, **options) -> GroupCommit[int, int]:  # type: ignore[no-untyped-def]
    return GroupCommit(run_batch, stopped=lambda exc: Stopped(repr(exc)), **options)


async def test_items_handed_in_together_run_as_one_batch_and_hear_their_own_answer() -> None:
    batches: list[list[int]] = []

    async def double(batch: list[Pending[int, int]]) -> None:
        batches.append([p.item for p in batch])
        for pending in batch:
            pending.resolve(pending.item * 2)

    runner = group(double, max_batch=10)
    assert await asyncio.gather(*(runner.submit(n) for n in range(5))) == [0, 2, 4, 6, 8]
    assert batches == [[0, 1, 2, 3, 4]]


async def test_a_failing_batch_fails_its_items_and_the_next_batch_still_runs() -> None:
    async def refuse_odd_batches(batch: list[Pending[int, int]]) -> None:
        if batch[0].item % 2:
            raise ConnectionError("the database went away")
        for pending in batch:
            pending.resolve(pending.item)

    runner = group(refuse_odd_batches, max_batch=1)
    results = await asyncio.gather(*(runner.submit(n) for n in range(3)), return_exceptions=True)
    assert results[0] == 0
    assert isinstance(results[1], ConnectionError)
    assert results[2] == 2


async def test_an_item_a_batch_leaves_unanswered_fails_instead_of_waiting_forever() -> None:
    async def forgetful(batch: list[Pending[int, int]]) -> None:
        batch[0].resolve(1)

    runner = group(forgetful, max_batch=10)
    results = await asyncio.gather(runner.submit(1), runner.submit(2), return_exceptions=True)
    assert results[0] == 1
    assert isinstance(results[1], RuntimeError)
    assert "unanswered" in str(results[1])


async def test_a_cancelled_runner_fails_its_batch_and_every_waiting_item_as_stopped() -> None:
    started = asyncio.Event()

    async def hang(batch: list[Pending[int, int]]) -> None:
        started.set()
        await asyncio.Event().wait()

    runner = group(hang, max_batch=1, name="hanging-runner")
    first = asyncio.ensure_future(runner.submit(1))
    second = asyncio.ensure_future(runner.submit(2))
    await started.wait()
    (task,) = [t for t in asyncio.all_tasks() if t.get_name() == "hanging-runner"]
    task.cancel()  # as when the loop is closing
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert all(isinstance(r, Stopped) for r in results)


def test_a_batch_bound_below_one_is_refused() -> None:
    async def noop(batch: list[Pending[int, int]]) -> None:
        return None

    with pytest.raises(ValueError, match="max_batch"):
        group(noop, max_batch=0)

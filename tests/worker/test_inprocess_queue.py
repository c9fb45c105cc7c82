"""The embedded default's worker: an asyncio queue inside `serve` that runs the handlers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from adapters.worker.inprocess import InProcessJobQueue
from adapters.worker.tasks import RetryLater, TaskOptions, TaskRegistry
from app.errors import UpstreamRejected, UpstreamUnavailable

FAST = TaskOptions(max_retries=3, min_backoff_ms=5, max_backoff_ms=20, time_limit_ms=1_000)


class Recorder:
    """Handlers that record what they ran, and fail on cue."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.done: list[str] = []
        self.failures: dict[str, list[Exception]] = {}

    def fail(self, entity_id: str, *errors: Exception) -> None:
        self.failures[entity_id] = list(errors)

    async def handle(self, entity_id: str) -> None:
        self.runs[entity_id] += 1
        pending = self.failures.get(entity_id)
        if pending:
            raise pending.pop(0)
        self.done.append(entity_id)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def queue(recorder: Recorder) -> AsyncIterator[InProcessJobQueue]:
    registry = TaskRegistry()
    registry.register("probe.run", recorder.handle, FAST)
    queue = InProcessJobQueue(concurrency=2)
    queue.start(registry)
    yield queue
    await queue.stop()


async def _joined(queue: InProcessJobQueue) -> None:
    await asyncio.wait_for(queue.join(), timeout=5)


async def test_an_enqueued_task_runs_its_handler_with_the_id(
    queue: InProcessJobQueue, recorder: Recorder
) -> None:
    await queue.enqueue("probe.run", "job-1")
    await queue.enqueue("probe.run", "job-2")
    await _joined(queue)
    assert sorted(recorder.done) == ["job-1", "job-2"]


async def test_retry_later_and_an_unavailable_store_are_retried_until_done(
    queue: InProcessJobQueue, recorder: Recorder
) -> None:
    recorder.fail("job-1", RetryLater(delay_s=0.01), UpstreamUnavailable("503", retry_after=0.01))
    await queue.enqueue("probe.run", "job-1")
    await _joined(queue)
    assert recorder.runs["job-1"] == 3
    assert recorder.done == ["job-1"]


async def test_an_unexpected_error_is_retried_with_backoff_then_given_up(
    queue: InProcessJobQueue, recorder: Recorder
) -> None:
    recorder.fail("job-1", *[RuntimeError("boom")] * 10)
    await queue.enqueue("probe.run", "job-1")
    await _joined(queue)
    assert recorder.runs["job-1"] == FAST.max_retries + 1
    assert recorder.done == []


async def test_a_rejected_store_is_not_retried(
    queue: InProcessJobQueue, recorder: Recorder
) -> None:
    recorder.fail("job-1", UpstreamRejected(401, "woocommerce_rest_cannot_view", "revoked"))
    await queue.enqueue("probe.run", "job-1")
    await _joined(queue)
    assert recorder.runs["job-1"] == 1
    assert recorder.done == []


async def test_a_delayed_task_waits_its_delay(queue: InProcessJobQueue, recorder: Recorder) -> None:
    started = time.monotonic()
    await queue.enqueue("probe.run", "later", delay_s=0.2)
    await queue.enqueue("probe.run", "now")
    await asyncio.sleep(0.05)
    assert recorder.done == ["now"]
    await _joined(queue)
    assert recorder.done == ["now", "later"]
    assert time.monotonic() - started >= 0.2


async def test_handlers_run_concurrently_up_to_the_configured_concurrency(
    recorder: Recorder,
) -> None:
    running = 0
    peak = 0

    async def slow(entity_id: str) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1

    registry = TaskRegistry()
    registry.register("probe.slow", slow)
    queue = InProcessJobQueue(concurrency=3)
    queue.start(registry)
    for n in range(9):
        await queue.enqueue("probe.slow", str(n))
    await _joined(queue)
    await queue.stop()
    assert peak == 3


async def test_stop_lets_a_running_handler_finish_and_abandons_the_queued_ones() -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(entity_id: str) -> None:
        started.set()
        await asyncio.sleep(0.1)
        finished.append(entity_id)

    registry = TaskRegistry()
    registry.register("probe.slow", slow)
    queue = InProcessJobQueue(concurrency=1)
    queue.start(registry)
    for entity_id in ("a", "b", "c"):
        await queue.enqueue("probe.slow", entity_id)
    await queue.enqueue("probe.slow", "delayed", delay_s=0.05)
    await started.wait()
    await queue.stop(timeout_s=2)
    await asyncio.sleep(0.1)
    assert finished == ["a"]
    assert not queue.running


async def test_stop_cancels_a_handler_that_outlasts_the_timeout() -> None:
    cancelled = asyncio.Event()
    started = asyncio.Event()

    async def stuck(entity_id: str) -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    registry = TaskRegistry()
    registry.register("probe.stuck", stuck)
    queue = InProcessJobQueue()
    queue.start(registry)
    await queue.enqueue("probe.stuck", "x")
    await started.wait()
    await asyncio.wait_for(queue.stop(timeout_s=0.05), timeout=2)
    assert cancelled.is_set()


async def test_a_stopped_queue_starts_again_and_takes_jobs_enqueued_meanwhile(
    recorder: Recorder,
) -> None:
    registry = TaskRegistry()
    registry.register("probe.run", recorder.handle)
    queue = InProcessJobQueue()
    await queue.enqueue("probe.run", "before-start")
    queue.start(registry)
    await _joined(queue)
    await queue.stop()
    await queue.enqueue("probe.run", "while-stopped")
    queue.start(registry)
    await _joined(queue)
    await queue.stop()
    assert recorder.done == ["before-start", "while-stopped"]


async def test_the_in_process_queue_reports_its_messages_lost_once_per_process() -> None:
    queue = InProcessJobQueue()
    assert await queue.lost_messages() is True
    assert await queue.lost_messages() is False

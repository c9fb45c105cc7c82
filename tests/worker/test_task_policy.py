"""The one retry policy both worker modes apply, and the registry use cases fill."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.worker.scheduler import Periodic
from adapters.worker.tasks import (
    RetryLater,
    TaskOptions,
    TaskRegistry,
    Verdict,
    backoff_s,
    execute,
    queue_name_for,
)
from app.errors import NotFound, UpstreamRejected, UpstreamUnavailable
from app.tasks import ALL_TASKS

FAST = TaskOptions(max_retries=2, min_backoff_ms=10, max_backoff_ms=40, time_limit_ms=200)


def _registry_raising(exc: BaseException | None, options: TaskOptions = FAST) -> TaskRegistry:
    registry = TaskRegistry()

    async def handler(entity_id: str) -> None:
        if exc is not None:
            raise exc

    registry.register("probe.run", handler, options)
    return registry


def test_every_task_travels_on_the_queue_named_by_its_prefix() -> None:
    assert {queue_name_for(t) for t in ALL_TASKS} == {"imports", "webhooks", "sync", "triggers"}
    with pytest.raises(ValueError, match="dotted"):
        queue_name_for("undotted")


def test_backoff_grows_exponentially_within_its_bounds() -> None:
    options = TaskOptions(min_backoff_ms=100, max_backoff_ms=1_000)
    for attempt, ceiling in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.0), (40, 1.0)]:
        delays = [backoff_s(attempt, options) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)


async def test_a_successful_handler_is_done() -> None:
    outcome = await execute(_registry_raising(None), "probe.run", "e1", 0)
    assert outcome.verdict is Verdict.DONE


async def test_retry_later_is_retried_after_the_delay_the_handler_asked_for() -> None:
    outcome = await execute(_registry_raising(RetryLater(delay_s=3.5)), "probe.run", "e1", 0)
    assert (outcome.verdict, outcome.delay_s) == (Verdict.RETRY, 3.5)


async def test_an_unavailable_store_is_retried_after_its_retry_after() -> None:
    exc = UpstreamUnavailable("429 too many requests", retry_after=7.0)
    outcome = await execute(_registry_raising(exc), "probe.run", "e1", 0)
    assert (outcome.verdict, outcome.delay_s) == (Verdict.RETRY, 7.0)


async def test_an_unexpected_error_is_retried_with_backoff_then_given_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry = _registry_raising(RuntimeError("boom"))
    first = await execute(registry, "probe.run", "e1", 0)
    last = await execute(registry, "probe.run", "e1", FAST.max_retries)
    assert first.verdict is Verdict.RETRY
    assert 0.005 <= first.delay_s <= 0.01
    assert last.verdict is Verdict.FAILED
    assert "gave up after 3 attempts" in caplog.text


@pytest.mark.parametrize(
    "exc",
    [UpstreamRejected(401, "woocommerce_rest_cannot_view", "no"), NotFound("no such job")],
)
async def test_a_permanent_app_error_is_never_retried(
    exc: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    outcome = await execute(_registry_raising(exc), "probe.run", "e1", 0)
    assert outcome.verdict is Verdict.FAILED
    assert "failed permanently" in caplog.text


async def test_a_handler_that_overruns_its_time_limit_is_cancelled_and_retried() -> None:
    registry = TaskRegistry()
    cancelled = asyncio.Event()

    async def slow(entity_id: str) -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    registry.register("probe.slow", slow, TaskOptions(time_limit_ms=50))
    outcome = await execute(registry, "probe.slow", "e1", 0)
    assert outcome.verdict is Verdict.RETRY
    assert "time limit" in outcome.reason
    assert cancelled.is_set()


async def test_a_task_without_a_handler_fails_without_retrying() -> None:
    outcome = await execute(TaskRegistry(), "probe.unknown", "e1", 0)
    assert outcome.verdict is Verdict.FAILED


def test_a_task_or_periodic_job_is_registered_once() -> None:
    registry = _registry_raising(None)

    async def noop(entity_id: str = "") -> None:
        return None

    with pytest.raises(ValueError, match="registered already"):
        registry.register("probe.run", noop)
    registry.add_periodic(Periodic("sweep", 1.0, 0.1, noop))
    with pytest.raises(ValueError, match="registered already"):
        registry.add_periodic(Periodic("sweep", 2.0, 0.0, noop))


def test_options_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="backoff"):
        TaskOptions(min_backoff_ms=100, max_backoff_ms=10)
    with pytest.raises(ValueError, match="jitter"):
        Periodic("p", 1.0, 1.0, _noop)


async def _noop() -> None:
    return None

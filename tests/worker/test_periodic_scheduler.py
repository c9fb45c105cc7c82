"""Periodic jobs fire on their interval, and once per interval however many workers run them."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.worker.runtime import run_startup_hooks
from adapters.worker.scheduler import LocalClaims, Periodic, PeriodicRunner, RedisClaims
from adapters.worker.tasks import TaskRegistry
from tests.support.services import REDIS_URL, require_redis


async def test_a_periodic_job_fires_once_per_interval() -> None:
    fired: list[float] = []
    loop = asyncio.get_running_loop()

    async def tick() -> None:
        fired.append(loop.time())

    runner = PeriodicRunner([Periodic("tick", 0.1, 0.02, tick)], LocalClaims())
    runner.start()
    await asyncio.sleep(0.55)
    await runner.stop()
    assert 4 <= len(fired) <= 6
    gaps = [b - a for a, b in itertools.pairwise(fired)]
    assert all(0.06 <= gap <= 0.16 for gap in gaps)


async def test_a_failing_job_keeps_its_schedule() -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    runner = PeriodicRunner([Periodic("broken", 0.05, 0.0, broken)], LocalClaims())
    runner.start()
    await asyncio.sleep(0.3)
    await runner.stop()
    assert calls >= 3


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    require_redis()
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.connection_pool.disconnect()


async def test_runners_sharing_redis_fire_each_slot_once_between_them(
    redis_client: Redis,
) -> None:
    prefix = f"test:periodic:{uuid.uuid4().hex}"
    fired: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()

    def job(runner_name: str) -> Periodic:
        async def fire() -> None:
            fired.append((runner_name, loop.time()))

        return Periodic("sweep", 0.1, 0.03, fire)

    runners = [
        PeriodicRunner([job(name)], RedisClaims(redis_client, prefix=prefix))
        for name in ("worker-a", "worker-b", "worker-c")
    ]
    for runner in runners:
        runner.start()
    await asyncio.sleep(0.85)
    for runner in runners:
        await runner.stop()
    keys = [key async for key in redis_client.scan_iter(f"{prefix}:*")]
    if keys:
        await redis_client.delete(*keys)
    # Three runners without the shared claim would fire about 24 times.
    assert 6 <= len(fired) <= 9
    times = sorted(t for _, t in fired)
    assert all(b - a >= 0.04 for a, b in itertools.pairwise(times))


async def test_an_unreachable_redis_skips_slots_instead_of_crashing() -> None:
    client = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    claims = RedisClaims(client)
    assert await claims.claim("sweep", 1, ttl_s=1.0) is False
    await client.connection_pool.disconnect()


async def test_start_hooks_run_once_among_workers_that_start_together(
    redis_client: Redis,
) -> None:
    prefix = f"test:periodic:{uuid.uuid4().hex}"
    runs = 0

    async def resume() -> None:
        nonlocal runs
        runs += 1

    registry = TaskRegistry()
    registry.on_start("resume", resume)
    for _ in range(3):
        await run_startup_hooks(registry, RedisClaims(redis_client, prefix=prefix))
    await redis_client.delete(f"{prefix}:start:resume:0")
    assert runs == 1

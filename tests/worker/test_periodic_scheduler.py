"""Periodic jobs fire on their interval, and once per interval however many workers run them."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tests.support.services import REDIS_URL, require_redis
from tests.support.waiting import eventually_async
from wooconnect.adapters.worker.actors import run_start_hook
from wooconnect.adapters.worker.scheduler import (
    LocalClaims,
    Periodic,
    PeriodicRunner,
    RedisClaims,
    SlotClaims,
)


class RecordedClaims:
    """Wraps the claims a runner uses and notes each slot it won."""

    def __init__(self, inner: SlotClaims, won: list[int]) -> None:
        self._inner = inner
        self.won = won

    async def claim(self, name: str, slot: int, ttl_s: float) -> bool:
        if await self._inner.claim(name, slot, ttl_s):
            self.won.append(slot)
            return True
        return False


async def test_a_periodic_job_fires_once_per_interval() -> None:
    fired = 0

    async def tick() -> None:
        nonlocal fired
        fired += 1

    claims = RecordedClaims(LocalClaims(), [])
    runner = PeriodicRunner([Periodic("tick", 0.1, 0.02, tick)], claims)
    first_slot = int(time.time() // 0.1)
    runner.start()
    await eventually_async(lambda: fired >= 3, what="three ticks")
    await runner.stop()
    last_slot = int(time.time() // 0.1)
    # Every run has a slot of its own, the slots follow one another, none is fired twice, and
    # each was due while the runner ran.
    assert fired == len(claims.won) >= 3
    assert claims.won == sorted(set(claims.won))
    assert first_slot < claims.won[0] <= claims.won[-1] <= last_slot


async def test_a_failing_job_keeps_its_schedule() -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    runner = PeriodicRunner([Periodic("broken", 0.05, 0.0, broken)], LocalClaims())
    runner.start()
    try:
        await eventually_async(lambda: calls >= 3, what="the third failing run")
    finally:
        await runner.stop()


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    require_redis()
    # Timeouts, so that a Redis that stops answering fails the test instead of hanging it.
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    yield client
    async with asyncio.timeout(5):
        await client.connection_pool.disconnect()


async def test_runners_sharing_redis_fire_each_slot_once_between_them(
    redis_client: Redis,
) -> None:
    prefix = f"test:periodic:{uuid.uuid4().hex}"
    fired: list[str] = []
    won: list[int] = []

    def job(runner_name: str) -> Periodic:
        async def fire() -> None:
            fired.append(runner_name)

        return Periodic("sweep", 0.1, 0.03, fire)

    runners = [
        PeriodicRunner([job(name)], RecordedClaims(RedisClaims(redis_client, prefix=prefix), won))
        for name in ("worker-a", "worker-b", "worker-c")
    ]
    for runner in runners:
        runner.start()
    try:
        await eventually_async(lambda: len(won) >= 3, what="three slots fired")
    finally:
        for runner in runners:
            await runner.stop()
    keys = [key async for key in redis_client.scan_iter(f"{prefix}:*")]
    if keys:
        await redis_client.delete(*keys)
    # Three runners without the shared claim would fire three times in every slot.
    assert len(fired) == len(won) >= 3
    assert len(won) == len(set(won))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_unreachable_redis_skips_slots_instead_of_crashing() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{_closed_port()}/0", socket_connect_timeout=0.2)
    claims = RedisClaims(client, timeout_s=1.0)
    async with asyncio.timeout(10):
        assert await claims.claim("sweep", 1, ttl_s=1.0) is False
    await client.connection_pool.disconnect()


async def test_a_redis_that_never_answers_skips_the_slot_within_the_claim_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        client = Redis.from_url(f"redis://127.0.0.1:{port}/0")  # no socket timeout of its own
        claims = RedisClaims(client, timeout_s=0.3)
        started = time.monotonic()
        assert await claims.claim("sweep", 1, ttl_s=1.0) is False
        assert time.monotonic() - started < 3
        await client.connection_pool.disconnect()


async def test_start_hooks_run_once_among_workers_that_start_together(
    redis_client: Redis,
) -> None:
    prefix = f"test:periodic:{uuid.uuid4().hex}"
    runs = 0

    async def resume() -> None:
        nonlocal runs
        runs += 1

    ran = [
        await run_start_hook("resume", resume, RedisClaims(redis_client, prefix=prefix))
        for _ in range(3)
    ]
    await redis_client.delete(f"{prefix}:start:resume:0")
    assert runs == 1
    assert ran == [True, False, False]

"""Periodic jobs (sweepers, reconciliation) that fire once per interval however many workers
run them.

Time is cut into slots of `interval_s` on the wall clock, which every process shares. Each
runner wakes in every slot (at a random offset below `jitter_s`, so processes and jobs do not
stampede at the boundary) and tries to claim the slot; only the claimant fires. In the
in-process worker there is one runner and every claim succeeds; with Redis the claim is
`SET key NX PX`, which exactly one of N workers wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Periodic:
    """`fn` runs every `interval_s` seconds, delayed by up to `jitter_s` within its interval.

    `fn` should be short (typically: find due work, enqueue tasks for it); a run longer than
    the interval makes the runner skip the slots it overran.
    """

    name: str
    interval_s: float
    jitter_s: float
    fn: Callable[[], Awaitable[None]]

    def __post_init__(self) -> None:
        if self.interval_s <= 0:
            raise ValueError(f"periodic {self.name!r}: interval_s must be positive")
        if not 0 <= self.jitter_s < self.interval_s:
            raise ValueError(f"periodic {self.name!r}: jitter_s must be in [0, interval_s)")


class SlotClaims(Protocol):
    """Decides which runner fires a periodic job in a given slot."""

    async def claim(self, name: str, slot: int, ttl_s: float) -> bool: ...


class LocalClaims:
    """A single runner: every slot is its own."""

    async def claim(self, name: str, slot: int, ttl_s: float) -> bool:
        return True


class AsyncSetNx(Protocol):
    """The one command the claims need from an asyncio Redis client."""

    def set(self, name: str, value: str, *, nx: bool, px: int) -> Awaitable[Any]: ...


# A claim that takes longer than this is given up: the slot is skipped rather than the runner
# waiting on a Redis that accepts connections but does not answer.
CLAIM_TIMEOUT_S = 2.0


class RedisClaims:
    """Runners in many processes share the slots through Redis keys that expire on their own."""

    def __init__(
        self,
        client: AsyncSetNx,
        prefix: str = "wooconnect:periodic",
        *,
        timeout_s: float = CLAIM_TIMEOUT_S,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._timeout_s = timeout_s

    async def claim(self, name: str, slot: int, ttl_s: float) -> bool:
        key = f"{self._prefix}:{name}:{slot}"
        try:
            async with asyncio.timeout(self._timeout_s):
                won = await self._client.set(key, "1", nx=True, px=max(1, round(ttl_s * 1000)))
        except (RedisError, TimeoutError) as exc:
            # Skipping one slot is harmless; the job's next slot comes soon enough.
            reason = str(exc) or f"no answer within {self._timeout_s:g}s"
            log.warning(
                "periodic %s skipped slot %d: Redis is unavailable (%s)", name, slot, reason
            )
            return False
        return bool(won)


class PeriodicRunner:
    """Runs each periodic job in its own asyncio task until `stop()`."""

    def __init__(
        self,
        periodics: Iterable[Periodic],
        claims: SlotClaims,
        *,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._periodics = tuple(periodics)
        self._claims = claims
        self._wall_clock = wall_clock
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start one loop per periodic job on the running event loop."""
        if self._tasks:
            raise RuntimeError("the periodic runner is running already")
        self._tasks = [
            asyncio.create_task(self._loop(p), name=f"periodic:{p.name}") for p in self._periodics
        ]

    async def stop(self) -> None:
        """Cancel the loops and wait for them; a job in mid-run is cancelled with them."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, periodic: Periodic) -> None:
        while True:
            now = self._wall_clock()
            slot = int(now // periodic.interval_s) + 1
            fire_at = slot * periodic.interval_s + random.uniform(0, periodic.jitter_s)
            await asyncio.sleep(max(0.0, fire_at - now))
            # The key outlives its slot so that a runner whose clock lags a little cannot
            # claim the same slot again after it expired.
            if not await self._claims.claim(periodic.name, slot, ttl_s=periodic.interval_s * 2):
                continue
            try:
                await periodic.fn()
            except Exception:
                log.exception("periodic job %s failed", periodic.name)

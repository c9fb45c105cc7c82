"""Probe handlers for the worker-process tests. They leave files behind (in PROBE_OUT) so the
test process can see what ran, in which process, how often."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from adapters.bootstrap import Container
from adapters.worker.scheduler import Periodic
from adapters.worker.tasks import RetryLater, TaskOptions, TaskRegistry
from app.errors import UpstreamRejected

RECORD = "probe.record"
FLAKY = "probe.flaky"
REJECTED = "probe.rejected"
STALL_ONCE = "probe.stall_once"
PROBE_TASKS = (RECORD, FLAKY, REJECTED, STALL_ONCE)
TICK_INTERVAL_S = 0.3
FAST = TaskOptions(max_retries=5, min_backoff_ms=10, max_backoff_ms=50, time_limit_ms=30_000)


def _out() -> Path:
    return Path(os.environ["PROBE_OUT"])


def mark(name: str) -> None:
    """Append one line to the file `name` (appends of one short line are atomic)."""
    with (_out() / name).open("a") as handle:
        handle.write(f"{os.getpid()}\n")


def lines(out: Path, name: str) -> int:
    path = out / name
    return len(path.read_text().splitlines()) if path.exists() else 0


def register_probes(registry: TaskRegistry, container: Container) -> None:
    async def record(entity_id: str) -> None:
        mark(f"done-{entity_id}")

    async def flaky(entity_id: str) -> None:
        mark(f"attempt-{entity_id}")
        if lines(_out(), f"attempt-{entity_id}") < 3:
            raise RetryLater("not yet", delay_s=0.05)
        mark(f"done-{entity_id}")

    async def rejected(entity_id: str) -> None:
        mark(f"attempt-{entity_id}")
        raise UpstreamRejected(401, "woocommerce_rest_cannot_view", "keys revoked")

    async def stall_once(entity_id: str) -> None:
        # The first run hangs until the test kills the worker; the next one completes.
        first = lines(_out(), f"started-{entity_id}") == 0
        mark(f"started-{entity_id}")
        if first:
            await asyncio.sleep(60)
        mark(f"done-{entity_id}")

    async def tick() -> None:
        mark("ticks")

    registry.register(RECORD, record, FAST)
    registry.register(FLAKY, flaky, FAST)
    registry.register(REJECTED, rejected, FAST)
    registry.register(STALL_ONCE, stall_once, FAST)
    registry.add_periodic(Periodic("probe.tick", TICK_INTERVAL_S, 0.0, tick))

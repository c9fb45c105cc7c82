"""Probe actors for the worker-process tests, declared beside the real ones. They leave files
behind (in PROBE_OUT) so the test process can see what ran, in which process, how often."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import dramatiq

from wooconnect.app.errors import AppError, UpstreamRejected

RECORD = "probe.record"
FLAKY = "probe.flaky"
REJECTED = "probe.rejected"
STALL_ONCE = "probe.stall_once"
FAST = {"max_retries": 5, "min_backoff": 10, "max_backoff": 50, "time_limit": 30_000}


def _out() -> Path:
    return Path(os.environ["PROBE_OUT"])


def mark(name: str) -> None:
    """Append one line to the file `name` (appends of one short line are atomic)."""
    with (_out() / name).open("a") as handle:
        handle.write(f"{os.getpid()}\n")


def lines(out: Path, name: str) -> int:
    path = out / name
    return len(path.read_text().splitlines()) if path.exists() else 0


def declare_probes(broker: dramatiq.Broker) -> None:
    """The probe actors on `broker`, on the queue `probe`."""

    @dramatiq.actor(broker=broker, actor_name=RECORD, queue_name="probe", **FAST)
    async def record(entity_id: str) -> None:
        mark(f"done-{entity_id}")

    @dramatiq.actor(broker=broker, actor_name=FLAKY, queue_name="probe", **FAST)
    async def flaky(entity_id: str) -> None:
        mark(f"attempt-{entity_id}")
        if lines(_out(), f"attempt-{entity_id}") < 3:
            raise RuntimeError("not yet")
        mark(f"done-{entity_id}")

    @dramatiq.actor(
        broker=broker, actor_name=REJECTED, queue_name="probe", throws=(AppError,), **FAST
    )
    async def rejected(entity_id: str) -> None:
        mark(f"attempt-{entity_id}")
        raise UpstreamRejected(401, "woocommerce_rest_cannot_view", "keys revoked")

    @dramatiq.actor(broker=broker, actor_name=STALL_ONCE, queue_name="probe", **FAST)
    async def stall_once(entity_id: str) -> None:
        # The first run hangs until the test kills the worker; the next one completes.
        first = lines(_out(), f"started-{entity_id}") == 0
        mark(f"started-{entity_id}")
        if first:
            await asyncio.sleep(60)
        mark(f"done-{entity_id}")

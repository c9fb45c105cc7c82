"""The worker's heartbeat is written only while the job queue answers it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from wooconnect.adapters.worker.heartbeat import Heartbeat, heartbeat_age


async def test_the_heartbeat_is_written_while_the_queue_answers_and_not_after(
    tmp_path: Path,
) -> None:
    calls = 0
    second_call = asyncio.Event()

    async def alive() -> bool:  # answers once, then no more
        nonlocal calls
        calls += 1
        if calls == 2:
            second_call.set()
        return calls == 1

    path = tmp_path / "var" / "worker.heartbeat"
    heartbeat = Heartbeat(path, alive, interval_s=0.01)
    heartbeat.start()
    try:
        await asyncio.wait_for(second_call.wait(), timeout=5)
        written = path.stat().st_mtime_ns
        await asyncio.sleep(0.1)
        assert calls > 3
        assert path.stat().st_mtime_ns == written
    finally:
        await heartbeat.stop()


def test_the_age_of_a_missing_heartbeat_is_none(tmp_path: Path) -> None:
    assert heartbeat_age(tmp_path / "worker.heartbeat") is None
    (tmp_path / "worker.heartbeat").write_text("1\n")
    age = heartbeat_age(tmp_path / "worker.heartbeat")
    assert age is not None
    assert age < 5

"""The worker's heartbeat file, which a container's health check reads
(`wooconnect health worker`).

Each `wooconnect worker` process rewrites `$WOOCONNECT_VAR_DIR/worker.heartbeat` every
`INTERVAL_S` seconds from the event loop its tasks run on, as long as Redis answers it. A file
older than `MAX_AGE_S` means the loop is stuck, the process is gone, or the job queue cannot
be reached: in each case the worker takes no work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "worker.heartbeat"
INTERVAL_S = 10.0
MAX_AGE_S = 30.0


def heartbeat_path(var_dir: Path) -> Path:
    return var_dir / FILE_NAME


def heartbeat_age(path: Path, now: float | None = None) -> float | None:
    """Seconds since the heartbeat was written; None when there is none."""
    try:
        written = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return max(0.0, (time.time() if now is None else now) - written)


def _write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{time.time():.3f}\n")


class Heartbeat:
    """Writes the heartbeat file every `interval_s` seconds while `alive()` answers True."""

    def __init__(
        self,
        path: Path,
        alive: Callable[[], Awaitable[bool]],
        *,
        interval_s: float = INTERVAL_S,
    ) -> None:
        self.path = path
        self._alive = alive
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Beat on the running event loop until `stop()`."""
        self._task = asyncio.create_task(self._beat(), name="worker-heartbeat")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _beat(self) -> None:
        while True:
            try:
                if await self._alive():
                    await asyncio.to_thread(_write, self.path)
            except Exception:  # a heartbeat that fails is one not written; the check sees it
                log.exception("could not write the worker heartbeat %s", self.path)
            await asyncio.sleep(self._interval_s)

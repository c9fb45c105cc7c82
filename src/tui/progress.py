"""Import rate and ETA, estimated from the progress the console sees on successive polls.

The API reports counts, not speed, so the console keeps a short history of (time, processed)
samples per import run and derives the rate from it. A run is identified by its connection,
entity and start time, so a re-run starts a fresh history.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from wooconnect.tui.models import ImportJob


@dataclass(frozen=True, slots=True)
class Estimate:
    """Records per second and seconds left; None while there is not enough history."""

    per_second: float | None
    eta_seconds: float | None


class RateTracker:
    """Estimates each import's rate over a sliding window of polls."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = 60.0) -> None:
        self._clock = clock
        self._window = window
        self._samples: dict[tuple[str, str, str | None], deque[tuple[float, int]]] = {}

    def observe(self, connection_id: str, job: ImportJob) -> Estimate:
        """Record the job's progress now and return the current estimate."""
        key = (connection_id, job.entity, job.started_at)
        samples = self._samples.setdefault(key, deque())
        now = self._clock()
        processed = job.processed
        if samples and processed < samples[-1][1]:
            samples.clear()  # counts went back: the run restarted under the same key
        samples.append((now, processed))
        while len(samples) > 2 and now - samples[0][0] > self._window:
            samples.popleft()
        if job.status != "running":
            return Estimate(None, None)
        return self._estimate(samples, job)

    @staticmethod
    def _estimate(samples: deque[tuple[float, int]], job: ImportJob) -> Estimate:
        if len(samples) < 2:
            return Estimate(None, None)
        (first_at, first), (last_at, last) = samples[0], samples[-1]
        elapsed = last_at - first_at
        if elapsed <= 0:
            return Estimate(None, None)
        per_second = (last - first) / elapsed
        if per_second <= 0 or job.total is None:
            return Estimate(per_second, None)
        return Estimate(per_second, max(0, job.total - job.processed) / per_second)

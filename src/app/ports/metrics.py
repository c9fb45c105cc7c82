"""What the operations metrics read from the shared store (every process's work)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """The records of the import jobs of one entity in one status, summed."""

    entity: str
    status: str
    done: int
    total: int
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class Latency:
    """Receipt to processing of the webhook deliveries received in a recent window (triggers
    fire when a delivery is processed), in seconds; all zero when there were none."""

    count: int = 0
    p50: float = 0.0
    p95: float = 0.0
    max: float = 0.0

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        if not seconds:
            return cls()
        ordered = sorted(seconds)

        def rank(q: float) -> float:  # the nearest-rank percentile
            return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

        return cls(len(ordered), rank(0.5), rank(0.95), ordered[-1])


@dataclass(frozen=True, slots=True)
class OperationsSnapshot:
    inbox_by_status: dict[str, int]
    oldest_pending_received_at: datetime | None
    triggers_by_type: dict[str, int]
    trigger_deliveries_by_status: dict[str, int]
    reconciliation_repairs: int
    imports: Sequence[ImportProgress]
    processing: Latency = field(default_factory=Latency)


class OperationsMetrics(Protocol):
    async def snapshot(self, *, recent_since: datetime | None = None) -> OperationsSnapshot:
        """The counts, read in one transaction; with `recent_since`, also the latency of the
        deliveries received since then."""
        ...

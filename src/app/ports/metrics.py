"""What the operations metrics read from the shared store (every process's work)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """The records of the import jobs of one entity in one status, summed."""

    entity: str
    status: str
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class OperationsSnapshot:
    inbox_by_status: dict[str, int]
    oldest_pending_received_at: datetime | None
    triggers_by_type: dict[str, int]
    trigger_deliveries_by_status: dict[str, int]
    reconciliation_repairs: int
    imports: Sequence[ImportProgress]


class OperationsMetrics(Protocol):
    async def snapshot(self) -> OperationsSnapshot:
        """The counts, read in one transaction."""
        ...

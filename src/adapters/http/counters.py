"""The webhook receiver's counters in this process, served by `/metrics`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ReceiverCounters:
    """One per process, owned by the container: deliveries received, and what became of them
    (`accepted` by kind, `rejected` by the error code answered)."""

    received: int = 0
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)

    def accept(self, kind: str) -> None:
        self.accepted[kind] += 1

    def reject(self, reason: str) -> None:
        self.rejected[reason] += 1

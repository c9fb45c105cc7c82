"""Decisions: a rule outcome about one record, with the trace that explains it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """Why a record was imported, skipped or mapped as it was; `trace` is JSON-ready."""

    id: str
    connection_id: str
    record_type: str
    record_id: str
    rule_set: str
    rule_set_version: str
    outcome: str
    decision: Any
    created_at: datetime
    trace: dict[str, Any] = field(default_factory=dict)

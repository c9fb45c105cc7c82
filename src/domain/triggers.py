"""Workflow trigger events: written to an outbox exactly once per order and cause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TriggerType(StrEnum):
    ORDER_SUBMITTED = "order_submitted"
    PAYMENT_RECEIVED = "payment_received"


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """`(location, type, order)` is unique: a trigger fires once per order and type."""

    id: str
    location_id: str
    connection_id: str
    type: TriggerType
    order_id: str
    contact_id: str | None
    created_at: datetime

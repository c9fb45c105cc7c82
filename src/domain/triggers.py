"""Workflow trigger events: written to an outbox exactly once per order and cause."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TriggerType(StrEnum):
    ORDER_SUBMITTED = "order_submitted"
    PAYMENT_RECEIVED = "payment_received"


class TriggerOutcome(StrEnum):
    """What became of a trigger when live sync applied an order, as the decisions log says."""

    FIRED = "fired"
    ALREADY_FIRED = "already_fired"  # the rules would fire it, but it fired for the order before
    SUPPRESSED = "suppressed"  # the trigger is switched off for the connection
    NOT_ELIGIBLE = "not_eligible"  # the rules do not fire it for this order (version)

    @classmethod
    def of(cls, *, fires: bool, switched_on: bool, recorded: bool) -> TriggerOutcome:
        """`fires`: the trigger rules fire it; `switched_on`: the connection's toggle;
        `recorded`: it was new for the order (a trigger fires once per order and type)."""
        if fires:
            return cls.FIRED if recorded else cls.ALREADY_FIRED
        return cls.NOT_ELIGIBLE if switched_on else cls.SUPPRESSED


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

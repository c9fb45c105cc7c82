"""Webhook deliveries as received: stored before they are acknowledged, processed by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # stored, waiting for a worker
    APPLIED = "applied"  # its effect is in the CRM
    IGNORED = "ignored"  # nothing to do (stale version, sync item off, draft, ...)
    INVALID = "invalid"  # signed but unreadable; kept for inspection
    FAILED = "failed"  # processing failed permanently


@dataclass(frozen=True, slots=True)
class InboxDelivery:
    """A verified delivery, unique per (connection, dedupe key). The key is built from the
    resource, its id and its `date_modified_gmt`: the store's delivery id is not unique."""

    id: str
    connection_id: str
    dedupe_key: str
    topic: str
    resource: str
    resource_id: int | None
    date_modified_gmt: datetime | None
    body: bytes = field(repr=False)
    received_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    enqueued_at: datetime | None = None
    processed_at: datetime | None = None
    outcome: str | None = None
    webhook_id: int | None = None
    delivery_id: str | None = None

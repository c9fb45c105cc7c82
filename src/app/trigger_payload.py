"""The JSON body a workflow subscriber receives for one trigger event."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from wooconnect.domain.crm import Order
from wooconnect.domain.triggers import TriggerEvent


def _iso(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with `Z` and milliseconds, as the HTTP API writes timestamps."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _order(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "woocommerce_order_id": order.woocommerce_order_id,
        "number": order.number,
        "status": order.status.value,
        "total": str(order.total),
        "currency": order.currency,
        "paid_at": _iso(order.paid_at),
    }


def event_payload(event: TriggerEvent, order: Order | None) -> bytes:
    """`{id, type, location_id, order: {...}, contact_id, created_at}`, compact UTF-8 JSON.

    `id` is the event's id, the same in every delivery and every retry of it: receivers dedupe
    on it. `order` describes the order when the trigger fired (null if it cannot be read).
    """
    payload = {
        "id": event.id,
        "type": event.type.value,
        "location_id": event.location_id,
        "order": None if order is None else _order(order),
        "contact_id": event.contact_id,
        "created_at": _iso(event.created_at),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()

"""Deterministic data for the fake API: tenants, connections, deliveries, triggers and the
decisions log (its traces come from `fake_rules`).

Every timestamp is fixed so that snapshots do not change between runs.
"""

from __future__ import annotations

import copy

from tests.tui.fake_rules import JsonDict, evaluate


def uid(n: int) -> str:
    """A fixed UUIDv7-looking id."""
    return f"0193a1c2-7d40-7a10-8c01-{n:012d}"


AGENCY_NORTHWIND, AGENCY_FJORD, AGENCY_SOLO = uid(101), uid(102), uid(103)
LOC_ROASTERS, LOC_OUTLET, LOC_EVENTS = uid(201), uid(202), uid(203)
LOC_PINE, LOC_CERAMICS = uid(204), uid(205)
CONN_ROASTERS, CONN_OUTLET, CONN_PINE, CONN_CERAMICS = uid(301), uid(302), uid(303), uid(304)


def _sync(**on: bool) -> JsonDict:
    keys = (
        "contacts",
        "orders",
        "transactions",
        "order_submitted_trigger",
        "payment_received_trigger",
    )
    return {key: on.get(key, False) for key in keys}


def _job(
    entity: str,
    status: str,
    total: int | None,
    done: int,
    skipped: int = 0,
    failed: int = 0,
    finished: str | None = None,
) -> JsonDict:
    return {
        "entity": entity,
        "status": status,
        "total": total,
        "done": done,
        "skipped": skipped,
        "failed": failed,
        "started_at": "2025-03-04T09:00:00Z" if status != "queued" else None,
        "finished_at": finished,
    }


def tenants() -> tuple[list[JsonDict], list[JsonDict], dict[str, JsonDict]]:
    """Agencies, locations and connections (keyed by id), fresh copies each call."""
    agencies = [
        {"id": AGENCY_NORTHWIND, "name": "Northwind Digital", "created_at": "2025-01-06T09:00:00Z"},
        {
            "id": AGENCY_FJORD,
            "name": "Fjord & Pine Marketing",
            "created_at": "2025-01-20T14:30:00Z",
        },
        {"id": AGENCY_SOLO, "name": "Solo Studio", "created_at": "2025-02-11T08:15:00Z"},
    ]
    locations = [
        {"id": LOC_ROASTERS, "agency_id": AGENCY_NORTHWIND, "name": "Northwind Coffee Roasters"},
        {"id": LOC_OUTLET, "agency_id": AGENCY_NORTHWIND, "name": "Northwind Outlet"},
        {"id": LOC_EVENTS, "agency_id": AGENCY_NORTHWIND, "name": "Northwind Events"},
        {"id": LOC_PINE, "agency_id": AGENCY_FJORD, "name": "Pine Outdoor Gear"},
        {"id": LOC_CERAMICS, "agency_id": AGENCY_FJORD, "name": "Fjord Ceramics"},
    ]
    done_at = "2025-03-04T09:42:10Z"
    connections = {
        CONN_ROASTERS: {
            "id": CONN_ROASTERS,
            "location_id": LOC_ROASTERS,
            "agency_id": AGENCY_NORTHWIND,
            "store_url": "https://shop.northwindcoffee.example",
            "status": "active",
            "import": {"contacts": True, "orders": True, "transactions": True},
            "sync": _sync(
                contacts=True,
                orders=True,
                transactions=True,
                order_submitted_trigger=True,
                payment_received_trigger=True,
            ),
            "imports": [
                _job("contacts", "completed", 1284, 1270, 14, finished=done_at),
                _job("orders", "completed", 3902, 3902, finished=done_at),
                _job("transactions", "completed", 4011, 4007, 0, 4, finished=done_at),
            ],
            "webhooks": {
                "registered": True,
                "healthy": True,
                "last_delivery_at": "2025-03-04T11:58:41Z",
            },
            "last_error": None,
            "created_at": "2025-03-04T08:59:30Z",
        },
        CONN_OUTLET: {
            "id": CONN_OUTLET,
            "location_id": LOC_OUTLET,
            "agency_id": AGENCY_NORTHWIND,
            "store_url": "https://shop.northwindcoffee.example",
            "status": "needs_reconnect",
            "import": {"contacts": True, "orders": False, "transactions": False},
            "sync": _sync(contacts=True),
            "imports": [
                _job("contacts", "failed", 1284, 300, 2, 0, finished="2025-03-03T16:20:00Z")
            ],
            "webhooks": {
                "registered": True,
                "healthy": False,
                "last_delivery_at": "2025-03-03T16:19:55Z",
            },
            "last_error": (
                "The store answered 401 on GET /wp-json/wc/v3/customers: the API key was revoked."
            ),
            "created_at": "2025-03-03T15:00:00Z",
        },
        CONN_PINE: {
            "id": CONN_PINE,
            "location_id": LOC_PINE,
            "agency_id": AGENCY_FJORD,
            "store_url": "https://pineoutdoor.example",
            "status": "active",
            "import": {"contacts": True, "orders": True, "transactions": True},
            "sync": _sync(
                contacts=True, orders=True, transactions=False, order_submitted_trigger=True
            ),
            "imports": [
                _job("contacts", "completed", 812, 797, 15, finished="2025-03-04T09:06:02Z"),
                _job("orders", "running", 5400, 1100, 38, 12),
                _job("transactions", "queued", None, 0),
            ],
            "webhooks": {
                "registered": True,
                "healthy": True,
                "last_delivery_at": "2025-03-04T11:59:02Z",
            },
            "last_error": None,
            "created_at": "2025-03-04T08:58:00Z",
        },
        CONN_CERAMICS: {
            "id": CONN_CERAMICS,
            "location_id": LOC_CERAMICS,
            "agency_id": AGENCY_FJORD,
            "store_url": "https://fjordceramics.example",
            "status": "awaiting_authorization",
            "import": {"contacts": True, "orders": True, "transactions": False},
            "sync": _sync(),
            "imports": [],
            "webhooks": {"registered": False, "healthy": None, "last_delivery_at": None},
            "last_error": None,
            "created_at": "2025-03-04T11:30:00Z",
        },
    }
    return copy.deepcopy(agencies), copy.deepcopy(locations), copy.deepcopy(connections)


def deliveries(connection_id: str) -> list[JsonDict]:
    """Recent webhook deliveries, newest first."""
    rows = [
        ("order.updated", "order", 10482, "processed", "applied", "2025-03-04T11:59:02Z"),
        ("order.created", "order", 10482, "processed", "applied", "2025-03-04T11:58:47Z"),
        ("customer.updated", "customer", 2291, "processed", "skipped", "2025-03-04T11:52:13Z"),
        ("order.updated", "order", 10477, "processed", "stale", "2025-03-04T11:40:09Z"),
        ("order.updated", "order", 10471, "failed", "failed", "2025-03-04T11:31:55Z"),
        ("customer.created", "customer", 2290, "processed", "applied", "2025-03-04T11:20:30Z"),
    ]
    return [
        {
            "id": uid(900 + i),
            "topic": topic,
            "resource": resource,
            "resource_id": rid,
            "status": status,
            "outcome": outcome,
            "received_at": at,
            "processed_at": None if status == "failed" else at,
        }
        for i, (topic, resource, rid, status, outcome, at) in enumerate(rows)
    ]


def triggers(location_id: str) -> list[JsonDict]:
    """Trigger events of a location, newest first."""
    rows = [
        ("payment_received", 801, "2025-03-04T11:59:03Z", "delivered"),
        ("order_submitted", 801, "2025-03-04T11:58:48Z", "delivered"),
        ("order_submitted", 798, "2025-03-04T11:12:20Z", "retrying"),
        ("payment_received", 790, "2025-03-04T10:05:44Z", "failed"),
    ]
    return [
        {
            "id": uid(700 + i),
            "type": kind,
            "order_id": uid(order),
            "contact_id": uid(600 + i),
            "created_at": at,
            "delivery_state": state,
        }
        for i, (kind, order, at, state) in enumerate(rows)
    ]


def decisions(connection_id: str) -> list[JsonDict]:
    """The decisions log, newest first, with traces from `evaluate`."""
    cases: list[tuple[str, str | int, str, JsonDict, str]] = [
        (
            "customer",
            2291,
            "import_eligibility",
            {"customer": {"role": "shop_manager"}},
            "2025-03-04T09:05:40Z",
        ),
        (
            "order",
            10482,
            "order_status_mapping",
            {"order": {"status": "refunded"}},
            "2025-03-04T09:05:31Z",
        ),
        (
            "order",
            10477,
            "order_status_mapping",
            {"order": {"status": "on-hold"}},
            "2025-03-04T09:05:30Z",
        ),
        ("order", 10471, "guest_contacts", {"order": {"customer_id": 0}}, "2025-03-04T09:05:22Z"),
        (
            "customer",
            2288,
            "import_eligibility",
            {"customer": {"role": "administrator"}},
            "2025-03-04T09:04:58Z",
        ),
        (
            "order",
            10466,
            "order_status_mapping",
            {"order": {"status": "failed"}},
            "2025-03-04T09:04:51Z",
        ),
        (
            "customer",
            2287,
            "import_eligibility",
            {"customer": {"role": "subscriber"}},
            "2025-03-04T09:04:40Z",
        ),
    ]
    items = []
    for i, (record_type, record_id, rule_set, facts, at) in enumerate(cases):
        result = evaluate(rule_set, facts)
        items.append(
            {
                "id": uid(500 + i),
                "record_type": record_type,
                "record_id": str(record_id),
                "rule_set": rule_set,
                "decision": result["decision"],
                "outcome": result["outcome"],
                "trace": result["trace"],
                "created_at": at,
            }
        )
    return items

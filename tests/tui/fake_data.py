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


_JOB_IDS = {"contacts": 1, "orders": 2, "transactions": 3}


def _job(
    entity: str,
    status: str,
    total: int,
    done: int,
    skipped: int = 0,
    failed: int = 0,
    finished: str | None = None,
    *,
    connection: int = 0,
    error: str | None = None,
) -> JsonDict:
    """An import job as the service shows it; `total` is 0 until the store has said."""
    return {
        "id": uid(400 + connection * 10 + _JOB_IDS[entity]),
        "entity": entity,
        "status": status,
        "total": total,
        "done": done,
        "skipped": skipped,
        "failed": failed,
        "started_at": "2025-03-04T09:00:00.000Z" if status != "queued" else None,
        "finished_at": finished,
        "last_error": error,
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
                _job("contacts", "completed", 1284, 1270, 14, finished=done_at, connection=1),
                _job("orders", "completed", 3902, 3902, finished=done_at, connection=1),
                _job("transactions", "completed", 4011, 4007, 0, 4, finished=done_at, connection=1),
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
                _job(
                    "contacts",
                    "failed",
                    1284,
                    300,
                    2,
                    0,
                    finished="2025-03-03T16:20:00.000Z",
                    connection=2,
                    error="the store answered 401: the API key was revoked",
                )
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
                _job(
                    "contacts",
                    "completed",
                    812,
                    797,
                    15,
                    finished="2025-03-04T09:06:02.000Z",
                    connection=3,
                ),
                _job("orders", "running", 5400, 1100, 38, 12, connection=3),
                _job("transactions", "queued", 0, 0, connection=3),
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
            "webhooks": {"registered": False, "healthy": False, "last_delivery_at": None},
            "last_error": None,
            "created_at": "2025-03-04T11:30:00Z",
        },
    }
    for location in locations:
        location["created_at"] = "2025-02-20T10:00:00.000Z"
    for connection in connections.values():
        connection["updated_at"] = connection["created_at"]
        connection["authorize_url"] = None
    connections[CONN_CERAMICS]["authorize_url"] = (
        "https://fjordceramics.example/wc-auth/v1/authorize?app_name=wooconnect"
        "&scope=read_write&user_id=" + CONN_CERAMICS
    )
    return copy.deepcopy(agencies), copy.deepcopy(locations), copy.deepcopy(connections)


def deliveries(connection_id: str) -> list[JsonDict]:
    """Recent webhook deliveries from the inbox, newest first, in every status."""
    rows: list[tuple[str, int | None, str | None, str, str | None, str]] = [
        ("order.updated", 10483, "82", "pending", None, "2025-03-04T11:59:40.120Z"),
        (
            "order.updated",
            10482,
            "81",
            "applied",
            "order updated; fired payment_received",
            "2025-03-04T11:59:02.004Z",
        ),
        (
            "order.created",
            10482,
            "81",
            "applied",
            "order created; fired order_submitted",
            "2025-03-04T11:58:47.310Z",
        ),
        (
            "customer.updated",
            2291,
            None,
            "ignored",
            "customer skipped: only customers and subscribers are imported",
            "2025-03-04T11:52:13.800Z",
        ),
        (
            "order.updated",
            10477,
            "78",
            "ignored",
            "not newer than the stored order",
            "2025-03-04T11:40:09.000Z",
        ),
        (
            "order.updated",
            10471,
            "76",
            "failed",
            "the store answered 503 reading order 10471",
            "2025-03-04T11:31:55.500Z",
        ),
        (
            "order.updated",
            None,
            None,
            "invalid",
            "unreadable payload: expected an object",
            "2025-03-04T11:25:00.000Z",
        ),
        ("customer.created", 2290, None, "applied", "contact created", "2025-03-04T11:20:30.000Z"),
    ]
    return [
        {
            "id": uid(900 + i),
            "topic": topic,
            "resource": topic.split(".")[0],
            "resource_id": rid,
            "order_number": number,
            "status": status,
            "outcome": outcome,
            "received_at": at,
            "processed_at": None if status == "pending" else at,
        }
        for i, (topic, rid, number, status, outcome, at) in enumerate(rows)
    ]


def triggers(location_id: str) -> list[JsonDict]:
    """Trigger events of a location, newest first, with their delivery to subscribers."""
    rows = [
        ("payment_received", 801, "81", "2025-03-04T11:59:03.000Z", "delivered"),
        ("order_submitted", 801, "81", "2025-03-04T11:58:48.000Z", "delivered"),
        ("order_submitted", 798, "80", "2025-03-04T11:12:20.000Z", "pending"),
        ("payment_received", 790, "79", "2025-03-04T10:05:44.000Z", "failed"),
        ("order_submitted", 785, "78", "2025-03-03T17:40:02.000Z", "no_subscribers"),
    ]
    return [
        {
            "id": uid(700 + i),
            "type": kind,
            "order_id": uid(order),
            "order_number": number,
            "contact_id": uid(600 + i),
            "created_at": at,
            "delivery_state": state,
        }
        for i, (kind, order, number, at, state) in enumerate(rows)
    ]


def api_keys(agency_id: str) -> list[JsonDict]:
    """An agency's API keys as the service lists them, newest first: prefixes, never keys."""
    rows = {
        AGENCY_NORTHWIND: [("wck_N0rthA", "2025-01-06T09:05:00.000Z")],
        AGENCY_FJORD: [
            ("wck_Fj8mQ2", "2025-02-27T16:45:12.000Z"),
            ("wck_p1NeG3", "2025-01-20T14:31:40.000Z"),
        ],
    }.get(agency_id, [])
    index = {AGENCY_NORTHWIND: 10, AGENCY_FJORD: 20}.get(agency_id, 30)
    return [
        {"id": uid(1000 + index + i), "prefix": prefix, "created_at": at}
        for i, (prefix, at) in enumerate(rows)
    ]


def subscriptions(location_id: str) -> list[JsonDict]:
    """A location's workflow subscribers with their delivery state, oldest first."""
    if location_id != LOC_PINE:
        return []
    return [
        {
            "id": uid(1101),
            "url": "https://hooks.zapier.example/catch/81/pine-orders",
            "events": ["order_submitted", "payment_received"],
            "created_at": "2025-03-04T09:10:00.000Z",
            "deliveries": {
                "pending": 1,
                "delivered": 3,
                "failed": 0,
                "last_attempt_at": "2025-03-04T11:59:04.000Z",
                "last_status_code": 200,
                "last_error": None,
            },
        },
        {
            "id": uid(1102),
            "url": "https://workflows.fjordpine.example/hooks/paid",
            "events": ["payment_received"],
            "created_at": "2025-03-04T09:12:30.000Z",
            "deliveries": {
                "pending": 0,
                "delivered": 1,
                "failed": 1,
                "last_attempt_at": "2025-03-04T10:06:15.000Z",
                "last_status_code": 502,
                "last_error": "the subscriber answered 502 Bad Gateway",
            },
        },
    ]


def decisions(connection_id: str) -> list[JsonDict]:
    """The decisions log, newest first, with traces from `evaluate`."""
    cases: list[tuple[str, str | int, str, JsonDict, str]] = [
        (
            "customer",
            2291,
            "customer_eligibility",
            {"customer": {"role": "shop_manager", "email": "ops@pineoutdoor.example"}},
            "2025-03-04T09:05:40Z",
        ),
        (
            "order",
            10482,
            "order_status",
            {"order": {"status": "refunded"}},
            "2025-03-04T09:05:31Z",
        ),
        (
            "order",
            10477,
            "order_status",
            {"order": {"status": "on-hold"}},
            "2025-03-04T09:05:30Z",
        ),
        ("order", 10471, "guest_handling", {"order": {"customer_id": 0}}, "2025-03-04T09:05:22Z"),
        (
            "customer",
            2288,
            "customer_eligibility",
            {"customer": {"role": "administrator", "email": "it@pineoutdoor.example"}},
            "2025-03-04T09:04:58Z",
        ),
        (
            "order",
            10466,
            "order_status",
            {"order": {"status": "failed"}},
            "2025-03-04T09:04:51Z",
        ),
        (
            "customer",
            2287,
            "customer_eligibility",
            {"customer": {"role": "subscriber", "email": "ann@example.com"}},
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
                "rule_set_version": result["version"],
                "decision": result["decision"],
                "outcome": result["outcome"],
                "trace": result["trace"],
                "created_at": at,
            }
        )
    return items


# A store order live sync applied with the order submitted trigger switched off.
QUIET_ORDER = 10490


def order_decisions(connection_id: str, order_id: int) -> list[JsonDict]:
    """What live sync logged about one store order, newest first: none but for `QUIET_ORDER`."""
    if order_id != QUIET_ORDER:
        return []
    rows = [
        ("payment_received_trigger", False, "not_eligible", ["not_paid"]),
        ("order_submitted_trigger", False, "suppressed", ["trigger_switched_off"]),
        ("order_status", "pending", "mapped", ["any_other_status"]),
    ]
    return [
        {
            "id": uid(700 + i),
            "record_type": "order",
            "record_id": str(order_id),
            "rule_set": rule_set,
            "rule_set_version": "e12bd3ce70ff",
            "decision": decision,
            "outcome": outcome,
            "trace": {
                "rule_set": rule_set,
                "version": "e12bd3ce70ff",
                "hit_policy": "first",
                "matched": matched,
                "conditions": [],
            },
            "created_at": "2025-03-04T09:06:00Z",
        }
        for i, (rule_set, decision, outcome, matched) in enumerate(rows)
    ]

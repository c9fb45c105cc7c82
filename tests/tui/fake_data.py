"""Deterministic data for the fake API: tenants, connections, deliveries, triggers, rules and a
tiny first-hit rule evaluator whose traces have the real engine's shape.

Every timestamp is fixed so that snapshots do not change between runs.
"""

from __future__ import annotations

import copy
from typing import Any

JsonDict = dict[str, Any]


def uid(n: int) -> str:
    """A fixed UUIDv7-looking id."""
    return f"0193a1c2-7d40-7a10-8c01-{n:012d}"


AGENCY_NORTHWIND, AGENCY_FJORD, AGENCY_SOLO = uid(101), uid(102), uid(103)
LOC_ROASTERS, LOC_OUTLET, LOC_EVENTS = uid(201), uid(202), uid(203)
LOC_PINE, LOC_CERAMICS = uid(204), uid(205)
CONN_ROASTERS, CONN_OUTLET, CONN_PINE, CONN_CERAMICS = uid(301), uid(302), uid(303), uid(304)

RULES_VERSION = "2025.03.1"

# rule set id → (kind, hit policy, file, rules); a rule is (id, conditions, then), a condition
# (field, op, expected). "otherwise" rules have no conditions.
RULE_BOOK: dict[str, tuple[str, str, str, list[tuple[str, list[tuple[str, str, Any]], Any]]]] = {
    "connection_criteria": (
        "criteria",
        "first",
        "rules/connection_criteria.yaml",
        [
            ("store_linked_to_other_agency", [("store.linked_agency", "not_in", [None])], True),
            ("agency_has_other_store", [("agency.store_domain", "not_in", [None])], True),
        ],
    ),
    "import_eligibility": (
        "eligibility",
        "first",
        "rules/import_eligibility.yaml",
        [
            ("import_customers", [("customer.role", "in", ["customer", "subscriber"])], "import"),
            ("skip_other_roles", [], "skip"),
        ],
    ),
    "guest_contacts": (
        "policy",
        "first",
        "rules/guest_contacts.yaml",
        [
            ("guest_is_frozen", [("order.customer_id", "eq", 0)], {"create": True, "update": False}),
            ("registered_customer", [], {"create": True, "update": True}),
        ],
    ),
    "order_status_mapping": (
        "mapping",
        "first",
        "rules/order_status_mapping.yaml",
        [
            ("completed_or_refunded", [("order.status", "in", ["completed", "refunded"])], "completed"),
            ("cancelled_or_failed", [("order.status", "in", ["cancelled", "failed"])], "cancelled"),
            ("anything_else", [], "pending"),
        ],
    ),
    "order_submitted_trigger": (
        "trigger",
        "first",
        "rules/triggers.yaml",
        [
            ("live_new_order", [("event.source", "eq", "webhook"), ("event.topic", "eq", "order.created")], True),
            ("not_live", [], False),
        ],
    ),
}

_OUTCOMES = {"import": "imported", "skip": "skipped", True: "fire", False: "no_fire"}


def _lookup(facts: Any, path: str) -> Any:
    node = facts
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _check(op: str, actual: Any, expected: Any) -> bool:
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    return bool(actual == expected)


def evaluate(rule_set: str, facts: Any) -> JsonDict:
    """Evaluate a rule set of `RULE_BOOK` (first hit) and return `{decision, outcome, trace}`."""
    kind, hit_policy, _file, rules = RULE_BOOK[rule_set]
    conditions: list[JsonDict] = []
    matched: list[str] = []
    decision: Any = None
    for rule_id, checks, then in rules:
        results = []
        for field, op, expected in checks:
            actual = _lookup(facts, field)
            ok = _check(op, actual, expected)
            results.append(ok)
            conditions.append(
                {"rule": rule_id, "field": field, "op": op, "actual": actual, "expected": expected, "ok": ok}
            )
        if all(results):
            matched.append(rule_id)
            decision = then
            break
    if kind == "criteria":
        outcome = "refused" if matched else "allowed"
    elif kind == "mapping":
        outcome = "mapped"
    else:
        outcome = _OUTCOMES.get(decision, "applied") if isinstance(decision, str | bool) else "applied"
    trace = {
        "rule_set": rule_set,
        "version": RULES_VERSION,
        "hit_policy": hit_policy,
        "matched": matched,
        "conditions": conditions,
    }
    return {"rule_set": rule_set, "version": RULES_VERSION, "decision": decision, "outcome": outcome, "trace": trace}


def rules_state() -> JsonDict:
    """`GET /api/v1/rules` as the service would answer it."""
    examples = {
        "import_eligibility": [
            {"name": "a subscriber", "facts": {"customer": {"role": "subscriber", "email": "ana@example.com"}}},
            {"name": "a shop manager", "facts": {"customer": {"role": "shop_manager", "email": "ops@example.com"}}},
        ],
        "order_status_mapping": [{"name": "a refunded order", "facts": {"order": {"status": "refunded"}}}],
    }
    return {
        "version": RULES_VERSION,
        "loaded_at": "2025-03-04T08:00:00Z",
        "rule_sets": [
            {
                "id": rule_set,
                "kind": kind,
                "hit_policy": hit_policy,
                "file": file,
                "version": RULES_VERSION,
                "rules": [{"id": rule_id} for rule_id, _c, _t in rules],
                "examples": examples.get(rule_set, []),
            }
            for rule_set, (kind, hit_policy, file, rules) in RULE_BOOK.items()
        ],
        "errors": [],
    }


RULE_ERRORS = [
    "rules/order_status_mapping.yaml:14:9: unknown operator 'equals' (use one of: eq, in, not_in)",
    "rules/triggers.yaml:31:5: rule 'live_new_order' repeats the id of the rule at line 8",
]


def _sync(**on: bool) -> JsonDict:
    keys = ("contacts", "orders", "transactions", "order_submitted_trigger", "payment_received_trigger")
    return {key: on.get(key, False) for key in keys}


def _job(entity: str, status: str, total: int | None, done: int, skipped: int = 0, failed: int = 0, finished: str | None = None) -> JsonDict:
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
        {"id": AGENCY_FJORD, "name": "Fjord & Pine Marketing", "created_at": "2025-01-20T14:30:00Z"},
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
            "id": CONN_ROASTERS, "location_id": LOC_ROASTERS, "agency_id": AGENCY_NORTHWIND,
            "store_url": "https://shop.northwindcoffee.example", "status": "active",
            "import": {"contacts": True, "orders": True, "transactions": True},
            "sync": _sync(contacts=True, orders=True, transactions=True, order_submitted_trigger=True, payment_received_trigger=True),
            "imports": [
                _job("contacts", "completed", 1284, 1270, 14, finished=done_at),
                _job("orders", "completed", 3902, 3902, finished=done_at),
                _job("transactions", "completed", 4011, 4007, 0, 4, finished=done_at),
            ],
            "webhooks": {"registered": True, "healthy": True, "last_delivery_at": "2025-03-04T11:58:41Z"},
            "last_error": None, "created_at": "2025-03-04T08:59:30Z",
        },
        CONN_OUTLET: {
            "id": CONN_OUTLET, "location_id": LOC_OUTLET, "agency_id": AGENCY_NORTHWIND,
            "store_url": "https://shop.northwindcoffee.example", "status": "needs_reconnect",
            "import": {"contacts": True, "orders": False, "transactions": False},
            "sync": _sync(contacts=True),
            "imports": [_job("contacts", "failed", 1284, 300, 2, 0, finished="2025-03-03T16:20:00Z")],
            "webhooks": {"registered": True, "healthy": False, "last_delivery_at": "2025-03-03T16:19:55Z"},
            "last_error": "The store answered 401 on GET /wp-json/wc/v3/customers: the API key was revoked.",
            "created_at": "2025-03-03T15:00:00Z",
        },
        CONN_PINE: {
            "id": CONN_PINE, "location_id": LOC_PINE, "agency_id": AGENCY_FJORD,
            "store_url": "https://pineoutdoor.example", "status": "active",
            "import": {"contacts": True, "orders": True, "transactions": True},
            "sync": _sync(contacts=True, orders=True, transactions=False, order_submitted_trigger=True),
            "imports": [
                _job("contacts", "completed", 812, 797, 15, finished="2025-03-04T09:06:02Z"),
                _job("orders", "running", 5400, 1100, 38, 12),
                _job("transactions", "queued", None, 0),
            ],
            "webhooks": {"registered": True, "healthy": True, "last_delivery_at": "2025-03-04T11:59:02Z"},
            "last_error": None, "created_at": "2025-03-04T08:58:00Z",
        },
        CONN_CERAMICS: {
            "id": CONN_CERAMICS, "location_id": LOC_CERAMICS, "agency_id": AGENCY_FJORD,
            "store_url": "https://fjordceramics.example", "status": "awaiting_authorization",
            "import": {"contacts": True, "orders": True, "transactions": False},
            "sync": _sync(), "imports": [],
            "webhooks": {"registered": False, "healthy": None, "last_delivery_at": None},
            "last_error": None, "created_at": "2025-03-04T11:30:00Z",
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
            "id": uid(900 + i), "topic": topic, "resource": resource, "resource_id": rid,
            "status": status, "outcome": outcome, "received_at": at,
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
        {"id": uid(700 + i), "type": kind, "order_id": uid(order), "contact_id": uid(600 + i), "created_at": at, "delivery_state": state}
        for i, (kind, order, at, state) in enumerate(rows)
    ]


def decisions(connection_id: str) -> list[JsonDict]:
    """The decisions log, newest first, with traces from `evaluate`."""
    cases: list[tuple[str, str | int, str, JsonDict, str]] = [
        ("customer", 2291, "import_eligibility", {"customer": {"role": "shop_manager"}}, "2025-03-04T09:05:40Z"),
        ("order", 10482, "order_status_mapping", {"order": {"status": "refunded"}}, "2025-03-04T09:05:31Z"),
        ("order", 10477, "order_status_mapping", {"order": {"status": "on-hold"}}, "2025-03-04T09:05:30Z"),
        ("order", 10471, "guest_contacts", {"order": {"customer_id": 0}}, "2025-03-04T09:05:22Z"),
        ("customer", 2288, "import_eligibility", {"customer": {"role": "administrator"}}, "2025-03-04T09:04:58Z"),
        ("order", 10466, "order_status_mapping", {"order": {"status": "failed"}}, "2025-03-04T09:04:51Z"),
        ("customer", 2287, "import_eligibility", {"customer": {"role": "subscriber"}}, "2025-03-04T09:04:40Z"),
    ]
    items = []
    for i, (record_type, record_id, rule_set, facts, at) in enumerate(cases):
        result = evaluate(rule_set, facts)
        items.append(
            {
                "id": uid(500 + i), "record_type": record_type, "record_id": str(record_id),
                "rule_set": rule_set, "decision": result["decision"], "outcome": result["outcome"],
                "trace": result["trace"], "created_at": at,
            }
        )
    return items

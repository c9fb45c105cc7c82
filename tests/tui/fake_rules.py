"""The fake API's rule book: a few rule sets like the shipped ones, evaluated first-hit with
traces of the real engine's shape (`rule_set, version, hit_policy, matched, conditions`)."""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]

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
            (
                "guest_is_frozen",
                [("order.customer_id", "eq", 0)],
                {"create": True, "update": False},
            ),
            ("registered_customer", [], {"create": True, "update": True}),
        ],
    ),
    "order_status_mapping": (
        "mapping",
        "first",
        "rules/order_status_mapping.yaml",
        [
            (
                "completed_or_refunded",
                [("order.status", "in", ["completed", "refunded"])],
                "completed",
            ),
            ("cancelled_or_failed", [("order.status", "in", ["cancelled", "failed"])], "cancelled"),
            ("anything_else", [], "pending"),
        ],
    ),
    "order_submitted_trigger": (
        "trigger",
        "first",
        "rules/triggers.yaml",
        [
            (
                "live_new_order",
                [("event.source", "eq", "webhook"), ("event.topic", "eq", "order.created")],
                True,
            ),
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
                {
                    "rule": rule_id,
                    "field": field,
                    "op": op,
                    "actual": actual,
                    "expected": expected,
                    "ok": ok,
                }
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
        outcome = (
            _OUTCOMES.get(decision, "applied") if isinstance(decision, str | bool) else "applied"
        )
    trace = {
        "rule_set": rule_set,
        "version": RULES_VERSION,
        "hit_policy": hit_policy,
        "matched": matched,
        "conditions": conditions,
    }
    return {
        "rule_set": rule_set,
        "version": RULES_VERSION,
        "decision": decision,
        "outcome": outcome,
        "trace": trace,
    }


def rules_state() -> JsonDict:
    """`GET /api/v1/rules` as the service would answer it."""
    examples = {
        "import_eligibility": [
            {
                "name": "a subscriber",
                "facts": {"customer": {"role": "subscriber", "email": "ana@example.com"}},
            },
            {
                "name": "a shop manager",
                "facts": {"customer": {"role": "shop_manager", "email": "ops@example.com"}},
            },
        ],
        "order_status_mapping": [
            {"name": "a refunded order", "facts": {"order": {"status": "refunded"}}}
        ],
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

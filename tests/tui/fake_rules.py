"""The fake API's rule book: rule sets shaped like the shipped ones (same ids, kinds, hit
policies, facts), evaluated with traces of the real engine's shape (`rule_set, version,
hit_policy, matched, conditions`) and listed the way `GET /api/v1/rules` lists them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

# The real service versions the book and each rule set by a hash of their contents.
RULES_VERSION = "5c1e0a9b3f27"
LOADED_AT = "2025-03-04T08:00:00.125000+00:00"
CHECKED_AT = "2025-03-04T11:59:58.004000+00:00"


@dataclass(frozen=True)
class Rule:
    """A rule: every condition `(field, op, expected)` must hold; no conditions always holds."""

    id: str
    when: list[tuple[str, str, Any]]
    then: Any
    outcome: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class FakeRuleSet:
    kind: str
    hit_policy: str
    version: str
    description: str
    facts: list[tuple[str, str, bool, str]]  # name, type, nullable, description
    rules: list[Rule] = field(default_factory=list)


_ROLES = ["customer", "subscriber"]
_STATUS_ROWS = {
    "completed": "completed",
    "refunded": "completed",
    "cancelled": "cancelled",
    "failed": "cancelled",
}

RULE_BOOK: dict[str, FakeRuleSet] = {
    "connection_criteria": FakeRuleSet(
        "criteria",
        "collect",
        "bda7a896b0b0",
        "Who may connect which store; every refusal reason is reported.",
        [
            ("agency.linked_domains", "list", False, "Store domains the agency is linked to."),
            ("store.domain", "string", False, "The domain of the store being connected."),
        ],
        [
            Rule(
                "agency_has_another_store",
                [("agency.linked_domains", "empty", False)],
                True,
                message="this agency is already linked to another store",
            ),
        ],
    ),
    "customer_eligibility": FakeRuleSet(
        "eligibility",
        "first",
        "27e11da3f54d",
        "Customers with the role customer or subscriber are imported; others are skipped.",
        [
            ("customer.role", "string", False, "The customer's WordPress role."),
            ("customer.email", "string", False, "The customer's e-mail address."),
        ],
        [
            Rule(
                "importable_customer",
                [("customer.role", "in", _ROLES), ("customer.email", "empty", False)],
                "import",
            ),
            Rule(
                "role_not_imported",
                [("customer.role", "not_in", _ROLES)],
                "skip",
                message="only customers and subscribers are imported",
            ),
            Rule("no_email", [], "skip", message="the customer has no e-mail address"),
        ],
    ),
    "guest_handling": FakeRuleSet(
        "policy",
        "first",
        "0eeb3da23783",
        "Guest checkouts create a contact from billing data that never receives updates.",
        [("order.customer_id", "integer", False, "0 for a guest checkout.")],
        [
            Rule(
                "guest_checkout",
                [("order.customer_id", "eq", 0)],
                {"is_guest": True, "create_contact": True, "update_contact": False},
                outcome="guest_contact",
            ),
            Rule(
                "registered_customer",
                [],
                {"is_guest": False, "create_contact": True, "update_contact": True},
                outcome="customer_contact",
            ),
        ],
    ),
    "order_status": FakeRuleSet(
        "mapping",
        "first",
        "1bed24db204c",
        "Maps a WooCommerce order status to the CRM's pending, completed or cancelled.",
        [("order.status", "string", False, "The store's order status, without `wc-`.")],
        [
            Rule("known_statuses", [("order.status", "map", _STATUS_ROWS)], None),
            Rule("any_other_status", [], "pending"),
        ],
    ),
    "order_submitted_trigger": FakeRuleSet(
        "trigger",
        "first",
        "e12bd3ce70ff",
        "Fires for a new order arriving by live sync, with the trigger switched on.",
        [
            ("event.source", "string", False, "live, reconcile or import."),
            ("order.first_seen", "boolean", False, "The order was not stored before."),
        ],
        [
            Rule(
                "not_live_sync",
                [("event.source", "not_in", ["live", "reconcile"])],
                False,
                message="historical imports never fire triggers",
            ),
            Rule("new_order", [("order.first_seen", "eq", True)], True),
            Rule("not_new", [], False),
        ],
    ),
}

# An agency's own version of a default rule set (rules/agencies/<agency>/order_status.yaml).
AGENCY_ORDER_STATUS = FakeRuleSet(
    "mapping",
    "first",
    "9a41c7e2d005",
    "Northwind counts on-hold orders as completed.",
    RULE_BOOK["order_status"].facts,
    [
        Rule(
            "known_statuses",
            [("order.status", "map", {**_STATUS_ROWS, "on-hold": "completed"})],
            None,
        ),
        Rule("any_other_status", [], "pending"),
    ],
)

_OUTCOMES = {"import": "imported", "skip": "skipped"}


def _lookup(facts: Any, path: str) -> Any:
    if isinstance(facts, dict) and path in facts:
        return facts[path]  # dotted keys, as the rule files' examples write them
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
    if op == "empty":
        return (actual in ("", None) or actual == []) is expected
    if op == "map":
        return actual in expected
    return bool(actual == expected)


def evaluate(rule_set: str, facts: Any, rules: FakeRuleSet | None = None) -> JsonDict:
    """Evaluate a rule set of `RULE_BOOK` and answer as `POST /api/v1/rules/evaluate` does."""
    book = rules or RULE_BOOK[rule_set]
    conditions: list[JsonDict] = []
    matched: list[str] = []
    decision: Any = None
    chosen: Rule | None = None
    for rule in book.rules:
        results = []
        for name, op, expected in rule.when:
            actual = _lookup(facts, name)
            ok = _check(op, actual, expected)
            results.append(ok)
            shown = list(expected) if op == "map" else expected
            conditions.append(
                {
                    "rule": rule.id,
                    "field": name,
                    "op": op,
                    "actual": actual,
                    "expected": shown,
                    "ok": ok,
                }
            )
        if all(results):
            matched.append(rule.id)
            if chosen is None:
                chosen = rule
                op_map = [c for c in rule.when if c[1] == "map"]
                decision = op_map[0][2][_lookup(facts, op_map[0][0])] if op_map else rule.then
            if book.hit_policy == "first":
                break
    if book.kind == "criteria":
        outcome = "refused" if matched else "allowed"
        decision = matched
    elif book.kind == "mapping":
        outcome = "mapped"
    elif book.kind == "trigger":
        outcome = "fire" if decision else "no_fire"
    elif chosen is not None and chosen.outcome:
        outcome = chosen.outcome
    else:
        outcome = _OUTCOMES.get(decision, "applied") if isinstance(decision, str) else "applied"
    trace = {
        "rule_set": rule_set,
        "version": book.version,
        "hit_policy": book.hit_policy,
        "matched": matched,
        "conditions": conditions,
    }
    return {
        "rule_set": rule_set,
        "version": book.version,
        "decision": decision,
        "outcome": outcome,
        "matched": matched,
        "message": chosen.message if chosen else None,
        "trace": trace,
    }


def _when(rule: Rule) -> Any:
    clauses = [{"field": name, op: expected} for name, op, expected in rule.when]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"all": clauses}


def _describe(rule_set: str, book: FakeRuleSet, agency_id: str | None, file: str) -> JsonDict:
    rules = []
    for rule in book.rules:
        listed: JsonDict = {"id": rule.id}
        if (when := _when(rule)) is not None:
            listed["when"] = when
        listed["then"] = rule.then
        if rule.message:
            listed["message"] = rule.message
        rules.append(listed)
    return {
        "id": rule_set,
        "kind": book.kind,
        "hit_policy": book.hit_policy,
        "version": book.version,
        "file": file,
        "description": book.description,
        "facts": [
            {"name": name, "type": kind, "nullable": nullable, "description": about}
            for name, kind, nullable, about in book.facts
        ],
        "rules": rules,
        "examples": EXAMPLES.get(rule_set, []) if agency_id is None else [],
        "agency_id": agency_id,
    }


EXAMPLES: dict[str, list[JsonDict]] = {
    "customer_eligibility": [
        {
            "name": "a customer is imported",
            "facts": {"customer.role": "customer", "customer.email": "ann@example.com"},
        },
        {
            "name": "a shop manager is skipped",
            "facts": {"customer.role": "shop_manager", "customer.email": "ops@example.com"},
        },
    ],
}


def rules_state(override_agency: str | None = None) -> JsonDict:
    """`GET /api/v1/rules` as the service answers it; `override_agency` has its own
    `order_status`."""
    rule_sets = [
        _describe(rule_set, book, None, f"rules/{rule_set}.yaml")
        for rule_set, book in RULE_BOOK.items()
    ]
    if override_agency is not None:
        path = f"rules/agencies/{override_agency}/order_status.yaml"
        rule_sets.append(_describe("order_status", AGENCY_ORDER_STATUS, override_agency, path))
    return {
        "version": RULES_VERSION,
        "loaded_at": LOADED_AT,
        "checked_at": CHECKED_AT,
        "errors": [],
        "rule_sets": rule_sets,
    }


RULE_ERRORS = [
    "rules/order_status.yaml:14:9: unknown operator 'equals' (use one of: eq, in, not_in, map)",
    "rules/order_submitted_trigger.yaml:31:5: rule 'new_order' repeats the id of the rule at "
    "line 8",
]

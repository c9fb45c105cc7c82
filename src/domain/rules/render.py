"""Rules back to plain data, in the same shape as the files, for listings and the API."""

from __future__ import annotations

from wooconnect.domain.rules.evaluation import thaw
from wooconnect.domain.rules.model import (
    UNSET,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    FactRef,
    Not,
    RuleDefinition,
)
from wooconnect.domain.rules.operators import describe_operand


def condition_to_data(condition: Condition) -> dict[str, object]:
    """`{field: x, in: [...]}`, `{all: [...]}`, `{any: [...]}` or `{not: {...}}`."""
    if isinstance(condition, Compare):
        value = condition.value
        operand = {"fact": value.name} if isinstance(value, FactRef) else describe_operand(value)
        return {"field": condition.field, condition.op: operand}
    if isinstance(condition, Not):
        return {"not": condition_to_data(condition.item)}
    key = "all" if isinstance(condition, AllOf) else "any"
    assert isinstance(condition, AllOf | AnyOf)
    return {key: [condition_to_data(item) for item in condition.items]}


def rule_to_data(rule: RuleDefinition) -> dict[str, object]:
    """A rule as JSON-ready data; keys the author left out are left out."""
    data: dict[str, object] = {"id": rule.id}
    if rule.description:
        data["description"] = rule.description
    if rule.when is not None:
        data["when"] = condition_to_data(rule.when)
    if rule.table is not None:
        data["table"] = {
            "field": rule.table.field,
            "rows": {row.key: thaw(row.output) for row in rule.table.rows},
        }
    if rule.then is not UNSET:
        data["then"] = thaw(rule.then)
    if rule.message is not None:
        data["message"] = rule.message
    if rule.outcome is not None:
        data["outcome"] = rule.outcome
    return data

"""Overlap detection for `unique` rule sets: two rules that can match the same input.

Each rule's condition is expanded into alternatives (disjunctive normal form) of per-field
constraints: "one of these values" or "none of these values". Two rules overlap when one
alternative of each can hold at once. Conditions this cannot reason about (`matches`, `empty`,
comparisons between facts) are assumed to be satisfiable, so the check may refuse a set that
is in fact disjoint, but never accepts one that overlaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wooconnect.domain.rules.model import (
    AllOf,
    Compare,
    Condition,
    FactDefinition,
    FactRef,
    FactType,
    Issue,
    Not,
    RuleDefinition,
)

_MAX_ALTERNATIVES = 256


@dataclass(frozen=True, slots=True)
class _Only:
    values: frozenset[object]


@dataclass(frozen=True, slots=True)
class _Except:
    values: frozenset[object]


@dataclass(frozen=True, slots=True)
class _Opaque:
    why: str


_Constraint = _Only | _Except | _Opaque
_Box = dict[str, _Constraint]


class _TooComplex(Exception):
    pass


def find_overlaps(
    rules: Sequence[RuleDefinition], facts: Mapping[str, FactDefinition]
) -> list[Issue]:
    """An issue for every pair of non-catch-all rules that can both match."""
    issues: list[Issue] = []
    expanded: list[tuple[RuleDefinition, list[_Box]]] = []
    for rule in rules:
        if rule.is_catch_all:
            continue
        try:
            boxes = _rule_boxes(rule)
        except _TooComplex:
            issues.append(
                Issue(
                    f"rule `{rule.id}` is too complex to check for overlaps under `unique`; "
                    "simplify it or use `hit_policy: first`",
                    rule.at,
                )
            )
            continue
        for earlier, earlier_boxes in expanded:
            witness = _overlap(earlier_boxes, boxes, facts)
            if witness is not None:
                issues.append(
                    Issue(
                        f"rules `{earlier.id}` and `{rule.id}` can both match, e.g. when "
                        f"{witness}; under `unique` at most one rule may match (use "
                        "`hit_policy: first` to let the order decide)",
                        rule.at,
                    )
                )
        expanded.append((rule, boxes))
    return issues


def _rule_boxes(rule: RuleDefinition) -> list[_Box]:
    if rule.table is not None:
        return [{rule.table.field: _Only(frozenset(row.key for row in rule.table.rows))}]
    assert rule.when is not None
    return _dnf(rule.when, negate=False)


def _dnf(condition: Condition, *, negate: bool) -> list[_Box]:
    if isinstance(condition, Not):
        return _dnf(condition.item, negate=not negate)
    if isinstance(condition, Compare):
        return [{condition.field: _leaf(condition, negate)}]
    conjunctive = isinstance(condition, AllOf) != negate
    parts = [_dnf(item, negate=negate) for item in condition.items]
    if not conjunctive:
        boxes = [box for part in parts for box in part]
    else:
        boxes = [{}]
        for part in parts:
            boxes = [_merge_boxes(box, other) for box in boxes for other in part]
            if len(boxes) > _MAX_ALTERNATIVES:
                raise _TooComplex
    if len(boxes) > _MAX_ALTERNATIVES:
        raise _TooComplex
    return boxes


def _leaf(cond: Compare, negate: bool) -> _Constraint:
    if isinstance(cond.value, FactRef):
        return _Opaque("comparisons between facts")
    value = cond.value
    constraint: _Constraint
    if cond.op == "eq":
        constraint = _Only(frozenset({value}))
    elif cond.op == "ne":
        constraint = _Except(frozenset({value}))
    elif cond.op == "in" and isinstance(value, list):
        constraint = _Only(frozenset(value))
    elif cond.op == "not_in" and isinstance(value, list):
        constraint = _Except(frozenset(value))
    elif cond.op == "exists":
        none = frozenset({None})
        constraint = _Except(none) if value else _Only(none)
    else:
        return _Opaque(f"`{cond.op}`")
    if negate:
        return (
            _Except(constraint.values)
            if isinstance(constraint, _Only)
            else _Only(constraint.values)
        )
    return constraint


def _merge_boxes(left: _Box, right: _Box) -> _Box:
    merged = dict(left)
    for field, constraint in right.items():
        merged[field] = _meet(merged[field], constraint) if field in merged else constraint
    return merged


def _meet(a: _Constraint, b: _Constraint) -> _Constraint:
    if isinstance(a, _Opaque):
        return b if not isinstance(b, _Only | _Except) else _with_opaque(b, a)
    if isinstance(b, _Opaque):
        return _with_opaque(a, b)
    if isinstance(a, _Only) and isinstance(b, _Only):
        return _Only(a.values & b.values)
    if isinstance(a, _Only) and isinstance(b, _Except):
        return _Only(a.values - b.values)
    if isinstance(a, _Except) and isinstance(b, _Only):
        return _Only(b.values - a.values)
    return _Except(a.values | b.values)


def _with_opaque(constraint: _Constraint, opaque: _Opaque) -> _Constraint:
    # An opaque condition narrows the values in a way we cannot see; keeping the visible part
    # only ever over-estimates what can match, which errs towards reporting an overlap.
    del opaque
    return constraint


def _overlap(
    left: list[_Box], right: list[_Box], facts: Mapping[str, FactDefinition]
) -> str | None:
    for a in left:
        for b in right:
            box = _merge_boxes(a, b)
            if all(_satisfiable(field, c, facts) for field, c in box.items()):
                return _describe(box, facts)
    return None


def _universe(field: str, facts: Mapping[str, FactDefinition]) -> frozenset[object] | None:
    fact = facts.get(field)
    if fact is None or fact.type != FactType.BOOLEAN.value:
        return None
    return frozenset({True, False, None}) if fact.nullable else frozenset({True, False})


def _satisfiable(field: str, c: _Constraint, facts: Mapping[str, FactDefinition]) -> bool:
    fact = facts.get(field)
    nullable = fact is not None and fact.nullable
    universe = _universe(field, facts)
    if isinstance(c, _Only):
        values = c.values if nullable else c.values - {None}
        return bool(values if universe is None else values & universe)
    if isinstance(c, _Except) and universe is not None:
        return bool(universe - c.values)
    return True


def _describe(box: _Box, facts: Mapping[str, FactDefinition]) -> str:
    parts = []
    for field, c in sorted(box.items()):
        if isinstance(c, _Only):
            values = sorted(c.values - ({None} if not _nullable(field, facts) else set()), key=repr)
            universe = _universe(field, facts)
            if universe is not None:
                values = sorted(set(values) & universe, key=repr)
            parts.append(f"{field} is {_json(values[0])}")
        elif isinstance(c, _Except):
            universe = _universe(field, facts)
            if universe is not None:
                parts.append(f"{field} is {_json(sorted(universe - c.values, key=repr)[0])}")
            else:
                excluded = ", ".join(_json(v) for v in sorted(c.values, key=repr))
                parts.append(f"{field} is not {excluded}")
        else:
            parts.append(f"{field} passes {c.why}")
    return " and ".join(parts) if parts else "any input"


def _nullable(field: str, facts: Mapping[str, FactDefinition]) -> bool:
    fact = facts.get(field)
    return fact is not None and fact.nullable


def _json(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)

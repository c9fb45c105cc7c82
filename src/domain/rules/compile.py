"""Compiling a validated rule set definition, once, into plain functions: predicates for the
conditions, a step per rule and a hit policy over the steps. The verdicts of `first` and
`unique` sets and what their traces show are fixed here too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from wooconnect.domain.rules.errors import InvalidRuleSet
from wooconnect.domain.rules.evaluation import TraceLeaf, TracePlan, Verdict, freeze, thaw
from wooconnect.domain.rules.evaluators import (
    Decide,
    Evaluate,
    Step,
    evaluator,
    first_match,
    rule_step,
    table_step,
)
from wooconnect.domain.rules.model import (
    AllOf,
    Compare,
    Condition,
    FactDefinition,
    FactRef,
    HitPolicy,
    Not,
    RuleDefinition,
    RuleSetDefinition,
    RuleSetKind,
)
from wooconnect.domain.rules.operators import Actuals, Predicate, build
from wooconnect.domain.rules.render import rule_to_data
from wooconnect.domain.rules.validate import validate


@dataclass(frozen=True, slots=True, eq=False)
class RuleSet:
    """A compiled rule set. `evaluate(facts)` returns an `Evaluation`; it raises `FactsError` when
    a declared fact is missing or of the wrong type. `version` is the content hash of the file."""

    id: str
    kind: RuleSetKind
    hit_policy: HitPolicy
    version: str
    file: str
    definition: RuleSetDefinition = field(repr=False)
    evaluate: Evaluate = field(repr=False)

    @property
    def facts(self) -> tuple[FactDefinition, ...]:
        return self.definition.facts

    def coverage_items(self) -> tuple[str, ...]:
        """What examples should exercise: every rule, and every row of every table (`rule[key]`)."""
        items: list[str] = []
        for rule in self.definition.rules:
            items.append(rule.id)
            if rule.table is not None:
                items.extend(f"{rule.id}[{row.key}]" for row in rule.table.rows)
        return tuple(items)

    def describe(self) -> dict[str, object]:
        """The rule set as JSON-ready data (for listings such as `GET /api/v1/rules`)."""
        d = self.definition
        return {
            "id": self.id,
            "kind": self.kind.value,
            "hit_policy": self.hit_policy.value,
            "version": self.version,
            "file": self.file,
            "description": d.description,
            "facts": [
                {
                    "name": f.name,
                    "type": f.type,
                    "nullable": f.nullable,
                    "description": f.description,
                }
                for f in d.facts
            ],
            "rules": [rule_to_data(rule) for rule in d.rules],
            "examples": [{"name": e.name, "facts": thaw(e.given)} for e in d.examples],
        }


def compile_rule_set(definition: RuleSetDefinition, version: str) -> RuleSet:
    """Validate and compile a definition; raises `InvalidRuleSet` listing every problem."""
    issues = validate(definition)
    if issues:
        raise InvalidRuleSet(issues)
    return _Compiler(definition, version).build()


class _Compiler:
    def __init__(self, definition: RuleSetDefinition, version: str) -> None:
        self.d = definition
        self.kind = RuleSetKind(definition.kind)
        self.policy = HitPolicy(definition.hit_policy)
        self.index = {fact.name: i for i, fact in enumerate(definition.facts)}
        self.version = version

    def build(self) -> RuleSet:
        d = self.d
        compiled = [self._rule(rule) for rule in d.rules]
        plan = TracePlan(
            rule_set=d.id,
            version=self.version,
            hit_policy=self.policy.value,
            leaves=tuple(rule.leaves for rule in compiled),
        )
        if self.policy is HitPolicy.COLLECT:
            decide = self._collect(plan, compiled)
        else:
            decide = self._first(plan, compiled)
        evaluate = evaluator(d.id, d.facts, decide)
        return RuleSet(d.id, self.kind, self.policy, self.version, d.file, d, evaluate)

    # -- conditions ---------------------------------------------------------------------------

    def _rule(self, rule: RuleDefinition) -> _CompiledRule:
        if rule.table is not None:
            i = self.index[rule.table.field]
            keys = frozenset(row.key for row in rule.table.rows)

            def in_table(actuals: Actuals) -> bool:
                return actuals[i] in keys

            leaf = TraceLeaf(
                rule.id,
                rule.table.field,
                "map",
                i,
                tuple(row.key for row in rule.table.rows),
                in_table,
            )
            return _CompiledRule(rule, None, (leaf,))
        if rule.when is None:
            return _CompiledRule(rule, None, ())
        leaves: list[TraceLeaf] = []
        # A rule holds when each of its conditions does: the items of a top-level `all`, or
        # the one condition it has.
        items = rule.when.items if isinstance(rule.when, AllOf) else (rule.when,)
        conditions = tuple(self._condition(rule.id, item, False, leaves) for item in items)
        return _CompiledRule(rule, conditions, tuple(leaves))

    def _condition(
        self, rule_id: str, cond: Condition, negated: bool, leaves: list[TraceLeaf]
    ) -> Predicate:
        """The condition as one predicate; each comparison in it is added to `leaves` for the
        trace (`negated` when an odd number of `not`s encloses it)."""
        if isinstance(cond, Compare):
            i = self.index[cond.field]
            ref = self.index[cond.value.name] if isinstance(cond.value, FactRef) else None
            operand = freeze(cond.value)
            predicate = build(cond.op, i, operand, ref)
            expected = cond.value.name if isinstance(cond.value, FactRef) else operand
            leaves.append(
                TraceLeaf(rule_id, cond.field, cond.op, i, expected, predicate, negated, ref)
            )
            return predicate
        if isinstance(cond, Not):
            return _not(self._condition(rule_id, cond.item, not negated, leaves))
        parts = tuple(self._condition(rule_id, item, negated, leaves) for item in cond.items)
        return _all(parts) if isinstance(cond, AllOf) else _any(parts)

    # -- verdicts -----------------------------------------------------------------------------

    def _verdict(
        self, plan: TracePlan, position: int, rule: RuleDefinition, output: object, row: str | None
    ) -> Verdict:
        kind = self.kind
        decision: object = output
        if kind is RuleSetKind.MAPPING:
            outcome = "mapped"
        elif kind is RuleSetKind.ELIGIBILITY:
            outcome = "imported" if output == "import" else "skipped"
        elif kind is RuleSetKind.TRIGGER:
            outcome = "fire" if output else "no_fire"
        else:
            decision = freeze(output)
            outcome = rule.outcome or "decided"
        covers = (rule.id,) if row is None else (rule.id, f"{rule.id}[{row}]")
        return Verdict(plan, decision, outcome, (rule.id,), rule.message, position + 1, covers)

    def _first(self, plan: TracePlan, compiled: Sequence[_CompiledRule]) -> Decide:
        """`first` and `unique`: every verdict is fixed here, once; evaluating picks one."""
        steps: list[Step] = []
        for position, item in enumerate(compiled):
            rule = item.rule
            if rule.table is not None:
                rows = {
                    row.key: self._verdict(plan, position, rule, row.output, row.key)
                    for row in rule.table.rows
                }
                steps.append(table_step(rows, self.index[rule.table.field]))
            elif item.conditions is None:
                default = self._verdict(plan, position, rule, rule.then, None)
                return first_match(tuple(steps), default)
            else:
                verdict = self._verdict(plan, position, rule, rule.then, None)
                steps.append(rule_step(item.conditions, verdict))
        raise AssertionError("validation requires a catch-all under first and unique")

    def _collect(self, plan: TracePlan, compiled: Sequence[_CompiledRule]) -> Decide:
        """`collect` (criteria): every matching rule refuses; the verdict lists them all."""
        tested: list[tuple[RuleDefinition, Predicate]] = []
        for item in compiled:
            assert item.conditions is not None  # validation requires `when` under collect
            tested.append((item.rule, _all(item.conditions)))
        everything = len(compiled)

        def decide(actuals: Actuals) -> Verdict:
            hits = [rule for rule, predicate in tested if predicate(actuals)]
            refusals = tuple(
                MappingProxyType({"id": rule.id, "message": rule.message or ""}) for rule in hits
            )
            matched = tuple(rule.id for rule in hits)
            outcome = "refused" if hits else "allowed"
            message = "; ".join(rule.message or "" for rule in hits) or None
            return Verdict(plan, refusals, outcome, matched, message, everything, matched)

        return decide


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: RuleDefinition
    conditions: tuple[Predicate, ...] | None  # None for tables and the catch-all
    leaves: tuple[TraceLeaf, ...]


def _not(inner: Predicate) -> Predicate:
    def holds(actuals: Actuals) -> bool:
        return not inner(actuals)

    return holds


# `all` and `any` are loops rather than all()/any() over a generator: they run on every
# evaluation, and building a generator costs more than the comparisons it runs.


def _all(parts: tuple[Predicate, ...]) -> Predicate:
    def holds(actuals: Actuals) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(actuals):
                return False
        return True

    return holds


def _any(parts: tuple[Predicate, ...]) -> Predicate:
    def holds(actuals: Actuals) -> bool:
        for part in parts:  # noqa: SIM110
            if part(actuals):
                return True
        return False

    return holds

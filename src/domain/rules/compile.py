"""Compiling a validated rule set definition into closures, once; evaluating is then a few
closure calls and one lookup per table, with the trace data captured on the way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.rules.errors import InvalidRuleSet
from domain.rules.evaluation import TraceLeaf, TracePlan, Verdict, freeze, thaw
from domain.rules.evaluators import (
    Decide,
    Evaluate,
    Step,
    evaluator,
    first_match,
    rule_step,
    table_step,
    table_then_default,
)
from domain.rules.model import (
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
from domain.rules.operators import Actuals, Predicate, build
from domain.rules.render import rule_to_data
from domain.rules.validate import validate

_COLLECT_CACHE_LIMIT = 4096


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
            leaf = TraceLeaf(
                rule.id,
                rule.table.field,
                "map",
                i,
                tuple(row.key for row in rule.table.rows),
                lambda a: a[i] in keys,
            )
            return _CompiledRule(rule, None, (leaf,))
        if rule.when is None:
            return _CompiledRule(rule, None, ())
        leaves: list[TraceLeaf] = []
        if isinstance(rule.when, AllOf) and len(rule.when.items) == 2:
            parts = tuple(self._condition(rule.id, item, False, leaves) for item in rule.when.items)
            p0, p1 = parts
            return _CompiledRule(rule, lambda a: p0(a) and p1(a), tuple(leaves), parts)
        predicate = self._condition(rule.id, rule.when, False, leaves)
        return _CompiledRule(rule, predicate, tuple(leaves))

    def _condition(
        self, rule_id: str, cond: Condition, negated: bool, leaves: list[TraceLeaf]
    ) -> Predicate:
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
            inner = self._condition(rule_id, cond.item, not negated, leaves)
            return lambda a: not inner(a)
        parts = [self._condition(rule_id, item, negated, leaves) for item in cond.items]
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
        steps: list[Step] = []
        tables: list[tuple[dict[str, Verdict], int]] = []
        default: Verdict | None = None
        for position, item in enumerate(compiled):
            rule = item.rule
            if rule.table is not None:
                i = self.index[rule.table.field]
                rows = {
                    row.key: self._verdict(plan, position, rule, row.output, row.key)
                    for row in rule.table.rows
                }
                steps.append(table_step(rows, i))
                tables.append((rows, i))
            elif item.predicate is None:
                default = self._verdict(plan, position, rule, rule.then, None)
                break
            else:
                verdict = self._verdict(plan, position, rule, rule.then, None)
                steps.append(rule_step(item.predicate, verdict, item.parts))
        assert default is not None  # validation requires a catch-all under first and unique
        if len(steps) == 1 and len(tables) == 1:
            rows, i = tables[0]
            return table_then_default(rows, i, default)
        return first_match(tuple(steps), default)

    def _collect(self, plan: TracePlan, compiled: Sequence[_CompiledRule]) -> Decide:
        rules = self.d.rules
        tests = tuple(item.predicate for item in compiled if item.predicate is not None)
        cache: dict[tuple[int, ...], Verdict] = {}

        def verdict(hits: tuple[int, ...]) -> Verdict:
            refusals = tuple(
                MappingProxyType({"id": rules[k].id, "message": rules[k].message or ""})
                for k in hits
            )
            matched = tuple(rules[k].id for k in hits)
            outcome = "refused" if hits else "allowed"
            message = "; ".join(rules[k].message or "" for k in hits) or None
            return Verdict(plan, refusals, outcome, matched, message, len(rules), matched)

        def decide(actuals: Actuals) -> Verdict:
            hits = tuple([k for k, test in enumerate(tests) if test(actuals)])
            found = cache.get(hits)
            if found is None:
                found = verdict(hits)
                if len(cache) < _COLLECT_CACHE_LIMIT:
                    cache[hits] = found
            return found

        return decide


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: RuleDefinition
    predicate: Predicate | None  # None for tables and the catch-all
    leaves: tuple[TraceLeaf, ...]
    parts: tuple[Predicate, ...] = ()  # a top-level `all` of two, tested inline


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        p0, p1 = parts
        return lambda a: p0(a) and p1(a)
    every = tuple(parts)
    return lambda a: all(p(a) for p in every)


def _any(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        p0, p1 = parts
        return lambda a: p0(a) or p1(a)
    some = tuple(parts)
    return lambda a: any(p(a) for p in some)

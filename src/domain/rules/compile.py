"""Compiling a validated rule set definition into closures, once; evaluating is then a few
closure calls and one lookup per table, with the trace data captured on the way."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.rules.errors import InvalidRuleSet
from domain.rules.evaluation import (
    Evaluation,
    TraceLeaf,
    TracePlan,
    Verdict,
    freeze,
    new_object,
    set_actuals,
    set_verdict,
)
from domain.rules.facts import Extractor, build_extractor
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

Evaluate = Callable[[Mapping[str, object]], Evaluation]
_Step = Callable[[Actuals], Verdict | None]
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
            leaves=tuple(leaves for _, leaves in compiled),
        )
        extract = build_extractor(d.id, d.facts)
        predicates = [predicate for predicate, _ in compiled]
        if self.policy is HitPolicy.COLLECT:
            evaluate = self._collect(plan, extract, predicates)
        else:
            evaluate = self._first(plan, extract, predicates)
        return RuleSet(d.id, self.kind, self.policy, self.version, d.file, d, evaluate)

    # -- conditions ---------------------------------------------------------------------------

    def _rule(self, rule: RuleDefinition) -> tuple[Predicate | None, tuple[TraceLeaf, ...]]:
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
            return None, (leaf,)
        if rule.when is None:
            return None, ()
        leaves: list[TraceLeaf] = []
        return self._condition(rule.id, rule.when, False, leaves), tuple(leaves)

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

    def _first(
        self, plan: TracePlan, extract: Extractor, predicates: Sequence[Predicate | None]
    ) -> Evaluate:
        steps: list[_Step] = []
        default: Verdict | None = None
        for position, (rule, predicate) in enumerate(zip(self.d.rules, predicates, strict=True)):
            if rule.table is not None:
                i = self.index[rule.table.field]
                rows = {
                    row.key: self._verdict(plan, position, rule, row.output, row.key)
                    for row in rule.table.rows
                }
                steps.append(_table_step(rows, i))
            elif predicate is None:
                default = self._verdict(plan, position, rule, rule.then, None)
                break
            else:
                steps.append(
                    _rule_step(predicate, self._verdict(plan, position, rule, rule.then, None))
                )
        assert default is not None  # validation requires a catch-all under first and unique
        return _first_evaluator(extract, tuple(steps), default)

    def _collect(
        self, plan: TracePlan, extract: Extractor, predicates: Sequence[Predicate | None]
    ) -> Evaluate:
        rules = self.d.rules
        tests = tuple(p for p in predicates if p is not None)
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

        def evaluate(facts: Mapping[str, object]) -> Evaluation:
            actuals = extract(facts)
            hits = tuple([k for k, test in enumerate(tests) if test(actuals)])
            found = cache.get(hits)
            if found is None:
                found = verdict(hits)
                if len(cache) < _COLLECT_CACHE_LIMIT:
                    cache[hits] = found
            evaluation: Evaluation = new_object(Evaluation)
            set_verdict(evaluation, found)
            set_actuals(evaluation, actuals)
            return evaluation

        return evaluate


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


def _table_step(rows: dict[str, Verdict], i: int) -> _Step:
    get = rows.get
    return lambda a: get(a[i])  # type: ignore[call-overload]


def _rule_step(predicate: Predicate, verdict: Verdict) -> _Step:
    return lambda a: verdict if predicate(a) else None


def _first_evaluator(extract: Extractor, steps: tuple[_Step, ...], default: Verdict) -> Evaluate:
    # The shapes below differ only in how many steps they try; unrolling the common ones saves
    # the loop, which matters at a few hundred nanoseconds per evaluation.
    if not steps:

        def evaluate_default(facts: Mapping[str, object]) -> Evaluation:
            actuals = extract(facts)
            evaluation: Evaluation = new_object(Evaluation)
            set_verdict(evaluation, default)
            set_actuals(evaluation, actuals)
            return evaluation

        return evaluate_default
    if len(steps) == 1:
        (step,) = steps

        def evaluate_one(facts: Mapping[str, object]) -> Evaluation:
            actuals = extract(facts)
            evaluation: Evaluation = new_object(Evaluation)
            set_verdict(evaluation, step(actuals) or default)
            set_actuals(evaluation, actuals)
            return evaluation

        return evaluate_one

    def evaluate(facts: Mapping[str, object]) -> Evaluation:
        actuals = extract(facts)
        for step in steps:
            verdict = step(actuals)
            if verdict is not None:
                break
        else:
            verdict = default
        evaluation: Evaluation = new_object(Evaluation)
        set_verdict(evaluation, verdict)
        set_actuals(evaluation, actuals)
        return evaluation

    return evaluate

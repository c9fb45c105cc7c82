"""What an evaluation returns: the decision, and a compact trace of why.

An evaluation keeps the verdict of the deciding rules (under `first` and `unique` built once,
when the rule set is compiled, and shared) and the fact values the rules read. The trace is
rendered from those on demand; conditions are pure, so checking them again gives exactly the
results the evaluation saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any

from wooconnect.domain.rules.operators import Actuals, Predicate


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    """One condition of a deciding rule: the field, the operator, the value seen, and the result."""

    rule: str
    field: str
    op: str
    actual: object
    expected: object
    ok: bool

    def to_dict(self) -> dict[str, object]:
        """Every field, as a JSON-ready value."""
        return {f.name: thaw(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Trace:
    """Why a decision was made: the rule set and version, the matched rules, and each condition
    of the deciding rules (for `first` and `unique`, the rules tried up to the match; for
    `collect`, every rule)."""

    rule_set: str
    version: str
    hit_policy: str
    matched: tuple[str, ...]
    conditions: tuple[ConditionTrace, ...]

    def to_dict(self) -> dict[str, object]:
        """The trace as a JSON-ready dict."""
        return {
            "rule_set": self.rule_set,
            "version": self.version,
            "hit_policy": self.hit_policy,
            "matched": list(self.matched),
            "conditions": [condition.to_dict() for condition in self.conditions],
        }


@dataclass(frozen=True, slots=True)
class TraceLeaf:
    """A compiled condition as the trace shows it. `expected` is the literal operand, or the
    name of the fact that supplies it (`ref_index` set)."""

    rule: str
    field: str
    op: str
    index: int
    expected: object
    test: Predicate
    negated: bool = False
    ref_index: int | None = None

    def render(self, actuals: Actuals) -> ConditionTrace:
        ok = self.test(actuals)
        expected = self.expected
        if self.ref_index is not None:
            expected = {"fact": self.expected, "value": actuals[self.ref_index]}
        return ConditionTrace(
            rule=self.rule,
            field=self.field,
            op=f"not {self.op}" if self.negated else self.op,
            actual=actuals[self.index],
            expected=expected,
            ok=(not ok) if self.negated else ok,
        )


@dataclass(frozen=True, slots=True, eq=False)
class TracePlan:
    """Everything a rule set's traces need that does not change between evaluations."""

    rule_set: str
    version: str
    hit_policy: str
    leaves: tuple[tuple[TraceLeaf, ...], ...]  # per rule, in rule order


@dataclass(frozen=True, slots=True, eq=False)
class Verdict:
    """The part of an evaluation fixed by which rules matched. `through` is how many rules (from
    the first) the trace shows; `covers` names the rules and table rows this verdict exercises."""

    plan: TracePlan
    decision: object
    outcome: str
    matched: tuple[str, ...]
    message: str | None
    through: int
    covers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of evaluating a rule set: `decision`, `outcome`, `matched` rule ids, the
    deciding rule's `message`, and `trace` (with `trace.to_dict()` for JSON). `version` stamps
    the rule set version that decided."""

    verdict: Verdict
    actuals: Actuals  # the declared facts' values, in declaration order

    @property
    def decision(self) -> Any:
        """The decision as a fresh JSON-ready value (str, bool, dict or list of dicts)."""
        return thaw(self.verdict.decision)

    @property
    def outcome(self) -> str:
        return self.verdict.outcome

    @property
    def matched(self) -> tuple[str, ...]:
        return self.verdict.matched

    @property
    def message(self) -> str | None:
        """The deciding rule's message (e.g. why a record is skipped), if it has one."""
        return self.verdict.message

    @property
    def rule_set(self) -> str:
        return self.verdict.plan.rule_set

    @property
    def version(self) -> str:
        return self.verdict.plan.version

    @property
    def covers(self) -> tuple[str, ...]:
        """The rules and table rows (`rule[key]`) this evaluation exercised, for coverage."""
        return self.verdict.covers

    @property
    def trace(self) -> Trace:
        """Each condition of the rules the verdict shows, checked again against the facts."""
        plan = self.verdict.plan
        conditions: list[ConditionTrace] = []
        for leaves in plan.leaves[: self.verdict.through]:
            for leaf in leaves:
                conditions.append(leaf.render(self.actuals))
        return Trace(
            plan.rule_set, plan.version, plan.hit_policy, self.verdict.matched, tuple(conditions)
        )

    def to_dict(self) -> dict[str, object]:
        """The evaluation as a JSON-ready dict: decision, outcome, message and trace."""
        return {
            "rule_set": self.rule_set,
            "version": self.version,
            "decision": self.decision,
            "outcome": self.outcome,
            "matched": list(self.matched),
            "message": self.message,
            "trace": self.trace.to_dict(),
        }


def freeze(value: object) -> object:
    """An immutable copy of a JSON-like value, safe to share between evaluations."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(key): freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: object) -> Any:
    """A fresh JSON-ready copy (dicts and lists) of a frozen value."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple | frozenset):
        return [thaw(item) for item in value]
    return value

"""Semantic checks of a rule set definition, each reported with where it was written.

The loader has already checked the structure (keys and their basic types); this module checks
what only the meaning reveals: unknown facts and operators, operands of the wrong type,
duplicate ids, unreachable rules, a missing catch-all, decisions of the wrong shape, overlaps
under `unique`, and examples that could never run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from wooconnect.domain.rules.model import (
    UNSET,
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Example,
    FactDefinition,
    FactRef,
    FactType,
    HitPolicy,
    Issue,
    Not,
    RuleDefinition,
    RuleSetDefinition,
    RuleSetKind,
    SourcePosition,
)
from wooconnect.domain.rules.operators import (
    OPERATORS,
    conforms,
    operand_problem,
    ref_problem,
    type_name,
)
from wooconnect.domain.rules.overlap import find_overlaps

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_FACT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
ELIGIBILITY_DECISIONS = ("import", "skip")


def validate(definition: RuleSetDefinition) -> list[Issue]:
    """Every semantic problem of the definition, in file order; empty when it can be compiled."""
    return _Validator(definition).run()


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A suggestion for a misspelled name, or the empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class _Validator:
    def __init__(self, definition: RuleSetDefinition) -> None:
        self.d = definition
        self.issues: list[Issue] = []
        self.facts: dict[str, FactType] = {}
        self.kind: RuleSetKind | None = None
        self.policy: HitPolicy | None = None

    def report(self, message: str, *at: SourcePosition | None) -> None:
        where = next((loc for loc in at if loc is not None), self.d.at)
        self.issues.append(Issue(message, where))

    def run(self) -> list[Issue]:
        d = self.d
        if not _ID.match(d.id):
            self.report(f"rule set id `{d.id}` must be snake_case", d.key_at.get("id"))
        self.kind = self._enum(RuleSetKind, d.kind, "kind")
        self.policy = self._enum(HitPolicy, d.hit_policy, "hit_policy")
        if self.kind is RuleSetKind.CRITERIA and self.policy not in (None, HitPolicy.COLLECT):
            self.report(
                "a criteria rule set must use `hit_policy: collect`", d.key_at.get("hit_policy")
            )
        if self.policy is HitPolicy.COLLECT and self.kind not in (None, RuleSetKind.CRITERIA):
            self.report(
                "`hit_policy: collect` is for criteria rule sets only", d.key_at.get("hit_policy")
            )
        for fact in d.facts:
            self._fact(fact)
        self._rules()
        if self.policy is HitPolicy.UNIQUE and not self.issues:
            self.issues.extend(find_overlaps(d.rules, {f.name: f for f in d.facts}))
        self._examples()
        self.issues.sort(key=_position)
        return self.issues

    def _enum(self, enum: type[HitPolicy] | type[RuleSetKind], value: str, key: str) -> Any:
        try:
            return enum(value)
        except ValueError:
            names = [member.value for member in enum]
            self.report(
                f"unknown {key} `{value}`{did_you_mean(value, names)}; expected one of "
                + ", ".join(names),
                self.d.key_at.get(key),
            )
            return None

    def _fact(self, fact: FactDefinition) -> None:
        if not _FACT.match(fact.name):
            self.report(
                f"fact name `{fact.name}` must be lowercase words joined by dots (order.status)",
                fact.at,
            )
        if fact.name in self.facts:
            self.report(f"fact `{fact.name}` is declared twice", fact.at)
        try:
            self.facts[fact.name] = FactType(fact.type)
        except ValueError:
            names = [member.value for member in FactType]
            self.report(
                f"unknown fact type `{fact.type}`{did_you_mean(fact.type, names)}; expected one "
                "of " + ", ".join(names),
                fact.type_at,
                fact.at,
            )

    def _rules(self) -> None:
        d = self.d
        if not d.rules:
            self.report("a rule set needs at least one rule", d.key_at.get("rules"))
            return
        seen: dict[str, RuleDefinition] = {}
        catch_all: RuleDefinition | None = None
        then_keys: tuple[RuleDefinition, frozenset[str]] | None = None
        for rule in d.rules:
            if not _ID.match(rule.id):
                self.report(f"rule id `{rule.id}` must be snake_case", rule.id_at, rule.at)
            if rule.id in seen:
                first = seen[rule.id].at
                line = first.line if first else "?"
                self.report(
                    f"duplicate rule id `{rule.id}` (first used at line {line})",
                    rule.id_at,
                    rule.at,
                )
            seen.setdefault(rule.id, rule)
            if catch_all is not None:
                self.report(
                    f"rule `{rule.id}` can never match: it comes after the catch-all rule "
                    f"`{catch_all.id}` (a rule without `when` matches everything)",
                    rule.at,
                )
            self._rule(rule)
            if rule.is_catch_all and catch_all is None:
                catch_all = rule
            then_keys = self._policy_keys(rule, then_keys)
        if self.policy in (HitPolicy.FIRST, HitPolicy.UNIQUE) and catch_all is None:
            self.report(
                f"a `{self.policy.value}` rule set needs a catch-all rule last (a rule without "
                "`when` or `table`), so that every input gets a decision",
                d.key_at.get("rules"),
            )

    def _rule(self, rule: RuleDefinition) -> None:
        if rule.when is not None and rule.table is not None:
            self.report(f"rule `{rule.id}` has both `when` and `table`; use one", rule.at)
        if rule.when is not None:
            self._condition(rule.when)
        if self.policy is HitPolicy.COLLECT and rule.is_catch_all:
            self.report(
                f"rule `{rule.id}` has no `when`: under `collect` it would match every input",
                rule.at,
            )
        kind = self.kind
        if rule.table is not None:
            if kind is RuleSetKind.CRITERIA:
                self.report("criteria rules use `when`, not `table`", rule.table.at)
            fact_type = self._field(rule.table.field, rule.table.field_at or rule.table.at)
            if fact_type not in (None, FactType.STRING):
                self.report(
                    f"a table looks up a string fact; `{rule.table.field}` is {fact_type}",
                    rule.table.field_at,
                )
            if not rule.table.rows:
                self.report(f"the table of rule `{rule.id}` has no rows", rule.table.at)
            if rule.then is not UNSET:
                self.report(
                    f"rule `{rule.id}` has a table: its rows decide, so it takes no `then`",
                    rule.then_at,
                )
            for row in rule.table.rows:
                self._output(rule, row.output, row.at)
        elif kind is RuleSetKind.CRITERIA:
            if rule.then is not UNSET:
                self.report(
                    "criteria rules take no `then`: a matching rule refuses, with its `message`",
                    rule.then_at,
                )
        elif rule.then is UNSET:
            self.report(f"rule `{rule.id}` needs `then`: the decision it makes", rule.at)
        else:
            self._output(rule, rule.then, rule.then_at)
        self._message_and_outcome(rule)

    def _message_and_outcome(self, rule: RuleDefinition) -> None:
        kind = self.kind
        if kind is RuleSetKind.CRITERIA and not rule.message:
            self.report(
                f"criteria rule `{rule.id}` needs a `message` saying why it refuses", rule.at
            )
        if kind is RuleSetKind.ELIGIBILITY and rule.then == "skip" and not rule.message:
            self.report(f"rule `{rule.id}` skips records: give it a `message` saying why", rule.at)
        if kind is RuleSetKind.POLICY:
            if not rule.outcome:
                self.report(f"policy rule `{rule.id}` needs an `outcome` name", rule.at)
            elif not _ID.match(rule.outcome):
                self.report(f"outcome `{rule.outcome}` must be snake_case", rule.at)
        elif rule.outcome is not None and kind is not None:
            self.report(
                f"`outcome` is only for policy rule sets; a {kind.value} rule set names its own",
                rule.at,
            )

    def _output(self, rule: RuleDefinition, value: object, at: SourcePosition | None) -> None:
        problem = decision_problem(self.kind, value)
        if problem:
            self.report(f"rule `{rule.id}`: {problem}", at, rule.at)

    def _policy_keys(
        self, rule: RuleDefinition, first: tuple[RuleDefinition, frozenset[str]] | None
    ) -> tuple[RuleDefinition, frozenset[str]] | None:
        if self.kind is not RuleSetKind.POLICY or not isinstance(rule.then, Mapping):
            return first
        keys = frozenset(str(key) for key in rule.then)
        if first is None:
            return rule, keys
        if keys != first[1]:
            self.report(
                f"rule `{rule.id}` decides {sorted(keys)} but rule `{first[0].id}` decides "
                f"{sorted(first[1])}; every rule must decide the same names",
                rule.then_at,
                rule.at,
            )
        return first

    def _field(self, name: str, at: SourcePosition | None) -> FactType | None:
        if name in self.facts:
            return self.facts[name]
        declared = ", ".join(self.facts) or "none"
        self.report(
            f"unknown field `{name}`{did_you_mean(name, self.facts)}; declared facts: {declared}",
            at,
        )
        return None

    def _condition(self, condition: Condition) -> None:
        if isinstance(condition, AllOf | AnyOf):
            name = "all" if isinstance(condition, AllOf) else "any"
            if not condition.items:
                self.report(f"`{name}` needs at least one condition", condition.at)
            for item in condition.items:
                self._condition(item)
            return
        if isinstance(condition, Not):
            self._condition(condition.item)
            return
        self._compare(condition)

    def _compare(self, cond: Compare) -> None:
        operator = OPERATORS.get(cond.op)
        if operator is None:
            self.report(
                f"unknown operator `{cond.op}`{did_you_mean(cond.op, OPERATORS)}; operators: "
                + ", ".join(OPERATORS),
                cond.op_at,
                cond.at,
            )
        fact_type = self._field(cond.field, cond.field_at or cond.at)
        if operator is None or fact_type is None:
            return
        if fact_type not in operator.fact_types:
            allowed = ", ".join(t.value for t in operator.fact_types)
            self.report(
                f"`{cond.op}` does not apply to `{cond.field}`, a {fact_type.value} fact "
                f"(it takes {allowed})",
                cond.op_at,
                cond.at,
            )
            return
        if isinstance(cond.value, FactRef):
            ref_type = self._field(cond.value.name, cond.value_at)
            problem = ref_problem(operator, fact_type, ref_type) if ref_type else None
        else:
            problem = operand_problem(operator, fact_type, cond.value)
        if problem:
            self.report(f"`{cond.field}` is a {fact_type.value} fact: {problem}", cond.value_at)

    def _examples(self) -> None:
        names: set[str] = set()
        rule_ids = {rule.id for rule in self.d.rules}
        for example in self.d.examples:
            if example.name in names:
                self.report(f"duplicate example name `{example.name}`", example.at)
            names.add(example.name)
            self._example_facts(example)
            problem = expectation_problem(self.kind, example.expect, rule_ids)
            if problem:
                self.report(f"example `{example.name}`: {problem}", example.expect_at, example.at)
            if example.rule is not None and example.rule not in rule_ids:
                self.report(
                    f"example `{example.name}` expects unknown rule `{example.rule}`"
                    + did_you_mean(example.rule, rule_ids),
                    example.rule_at,
                    example.at,
                )

    def _example_facts(self, example: Example) -> None:
        for name, value in example.given.items():
            at = example.given_at.get(name)
            fact_type = self.facts.get(name)
            if fact_type is None:
                if name in {fact.name for fact in self.d.facts}:
                    continue  # its declaration has a problem, reported already
                self.report(
                    f"example `{example.name}` gives unknown fact `{name}`"
                    + did_you_mean(name, self.facts),
                    at,
                    example.at,
                )
                continue
            nullable = next(f.nullable for f in self.d.facts if f.name == name)
            if value is None and not nullable:
                self.report(
                    f"example `{example.name}`: fact `{name}` is not nullable; give a value",
                    at,
                    example.at,
                )
            elif value is not None and not conforms(value, fact_type):
                self.report(
                    f"example `{example.name}`: fact `{name}` is a {fact_type.value}, got "
                    f"{type_name(value)} {value!r}",
                    at,
                    example.at,
                )
        missing = [name for name in self.facts if name not in example.given]
        if missing:
            self.report(
                f"example `{example.name}` does not give " + ", ".join(f"`{m}`" for m in missing),
                example.at,
            )


def decision_problem(kind: RuleSetKind | None, value: object) -> str | None:
    """Why a `then` (or table row output) does not suit the rule set's kind, if it does not."""
    if kind is RuleSetKind.MAPPING and (not isinstance(value, str) or not value):
        return f"a mapping decides a non-empty string, got {type_name(value)} {value!r}"
    if kind is RuleSetKind.ELIGIBILITY and value not in ELIGIBILITY_DECISIONS:
        return f"an eligibility rule decides `import` or `skip`, got {value!r}"
    if kind is RuleSetKind.TRIGGER and not isinstance(value, bool):
        return f"a trigger rule decides true (fire) or false, got {type_name(value)} {value!r}"
    if kind is RuleSetKind.POLICY:
        if not isinstance(value, Mapping) or not value:
            return f"a policy rule decides named values (a mapping), got {type_name(value)}"
        for key, item in value.items():
            if not isinstance(item, str | bool | int | float):
                return (
                    f"decision `{key}` must be a string, number or boolean, got {type_name(item)}"
                )
    return None


def expectation_problem(kind: RuleSetKind | None, expect: object, rule_ids: set[str]) -> str | None:
    """Why an example's `expect` can never equal a decision of this kind, if it cannot."""
    if kind is RuleSetKind.CRITERIA:
        if not isinstance(expect, list) or not all(isinstance(item, str) for item in expect):
            return "`expect` of a criteria example lists the ids of the refusing rules ([] allows)"
        unknown = [item for item in expect if item not in rule_ids]
        if unknown:
            return f"`expect` names unknown rule `{unknown[0]}`" + did_you_mean(
                unknown[0], rule_ids
            )
        return None
    problem = decision_problem(kind, expect)
    return f"`expect`: {problem.split(', got')[0]}" if problem else None


def _position(issue: Issue) -> tuple[int, int]:
    return (issue.at.line, issue.at.column) if issue.at else (0, 0)

"""The functions a compiled rule set is made of: each rule as a step that gives its verdict or
None, a hit policy that runs the steps, and `evaluate`, which reads the facts, decides and
returns the `Evaluation`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wooconnect.domain.rules.evaluation import Evaluation, Verdict
from wooconnect.domain.rules.facts import fact_reader
from wooconnect.domain.rules.model import FactDefinition
from wooconnect.domain.rules.operators import Actuals, Predicate

Evaluate = Callable[[Mapping[str, object]], Evaluation]
Step = Callable[[Actuals], Verdict | None]
Decide = Callable[[Actuals], Verdict]


def rule_step(conditions: tuple[Predicate, ...], verdict: Verdict) -> Step:
    """A rule with a `when`: its verdict when every one of its conditions holds, else None."""

    def step(actuals: Actuals) -> Verdict | None:
        for condition in conditions:
            if not condition(actuals):
                return None
        return verdict

    return step


def table_step(rows: Mapping[str, Verdict], index: int) -> Step:
    """A mapping table: the verdict of the row the fact's value selects, else None (a table
    looks up a string fact; a nullable one may be null)."""

    def step(actuals: Actuals) -> Verdict | None:
        key = actuals[index]
        return rows.get(key) if isinstance(key, str) else None

    return step


def first_match(steps: tuple[Step, ...], default: Verdict) -> Decide:
    """The first step's verdict that is not None, else the catch-all's (`first` and `unique`)."""

    def decide(actuals: Actuals) -> Verdict:
        for step in steps:
            verdict = step(actuals)
            if verdict is not None:
                return verdict
        return default

    return decide


def evaluator(rule_set_id: str, facts: tuple[FactDefinition, ...], decide: Decide) -> Evaluate:
    """The `evaluate(facts)` function: read the declared facts (raising `FactsError` when one
    is missing or ill-typed), decide, and return the `Evaluation`."""
    read = fact_reader(rule_set_id, facts)

    def evaluate(given: Mapping[str, object]) -> Evaluation:
        actuals = read(given)
        return Evaluation(decide(actuals), actuals)

    return evaluate

"""The hot path: closures that evaluate a compiled rule set.

An evaluation reads and type-checks the declared facts into a tuple, asks the decider for the
verdict, and wraps both in an `Evaluation`. The shapes below differ only in how many facts
they read and how many rules they try; unrolling the common small cases saves loops and calls,
which is most of the cost at a few hundred nanoseconds per evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from domain.rules.evaluation import Evaluation, Verdict, new_object, set_actuals, set_verdict
from domain.rules.facts import exact_types, normaliser
from domain.rules.model import FactDefinition
from domain.rules.operators import Actuals, Predicate

Evaluate = Callable[[Mapping[str, object]], Evaluation]
Step = Callable[[Actuals], Verdict | None]
Decide = Callable[[Actuals], Verdict]


def rule_step(predicate: Predicate, verdict: Verdict, parts: tuple[Predicate, ...] = ()) -> Step:
    """A rule: its verdict when the condition holds, else None. A top-level `all` of two
    conditions (`parts`) is tested inline, saving a call."""
    if len(parts) == 2:
        p0, p1 = parts
        return lambda a: verdict if p0(a) and p1(a) else None
    return lambda a: verdict if predicate(a) else None


def table_step(rows: dict[str, Verdict], index: int) -> Step:
    """A mapping table: the verdict of the row the fact's value selects, else None."""
    get = rows.get
    return lambda a: get(a[index])  # type: ignore[call-overload]


def first_match(steps: tuple[Step, ...], default: Verdict) -> Decide:
    """The first step's verdict that is not None, else the catch-all's (`first` and `unique`)."""
    if not steps:
        return lambda a: default
    if len(steps) == 1:
        (s0,) = steps
        return lambda a: s0(a) or default
    if len(steps) == 2:
        s0, s1 = steps
        return lambda a: s0(a) or s1(a) or default
    if len(steps) == 3:
        s0, s1, s2 = steps
        return lambda a: s0(a) or s1(a) or s2(a) or default

    def decide(a: Actuals) -> Verdict:
        for step in steps:
            verdict = step(a)
            if verdict is not None:
                return verdict
        return default

    return decide


def table_then_default(rows: dict[str, Verdict], index: int, default: Verdict) -> Decide:
    """A set that is one table and a catch-all (the usual mapping): a single lookup."""
    get = rows.get
    return lambda a: get(a[index], default)  # type: ignore[call-overload]


def evaluator(rule_set_id: str, facts: tuple[FactDefinition, ...], decide: Decide) -> Evaluate:
    """The `evaluate(facts)` closure: read the facts, decide, and build the `Evaluation`.

    Values of exactly the declared types take the fast path; anything else (a missing fact,
    a wrong type, a `StrEnum`) goes through the normaliser, which converts or raises
    `FactsError`.
    """
    names = tuple(fact.name for fact in facts)
    exact = exact_types(facts)
    slow = normaliser(rule_set_id, facts)
    if len(names) == 1:
        (n0,), (t0,) = names, exact

        def evaluate_one(given: Mapping[str, object]) -> Evaluation:
            try:
                v0 = given[n0]
            except (LookupError, TypeError):
                a = slow(given)
            else:
                a = (v0,) if type(v0) in t0 else slow(given)
            evaluation: Evaluation = new_object(Evaluation)
            set_verdict(evaluation, decide(a))
            set_actuals(evaluation, a)
            return evaluation

        return evaluate_one
    if len(names) == 2:
        (n0, n1), (t0, t1) = names, exact

        def evaluate_two(given: Mapping[str, object]) -> Evaluation:
            try:
                v0 = given[n0]
                v1 = given[n1]
            except (LookupError, TypeError):
                a = slow(given)
            else:
                a = (v0, v1) if type(v0) in t0 and type(v1) in t1 else slow(given)
            evaluation: Evaluation = new_object(Evaluation)
            set_verdict(evaluation, decide(a))
            set_actuals(evaluation, a)
            return evaluation

        return evaluate_two
    checks = tuple(zip(names, exact, strict=True))

    def evaluate_many(given: Mapping[str, object]) -> Evaluation:
        try:
            a = tuple([given[name] for name in names])
        except (LookupError, TypeError):
            a = slow(given)
        else:
            for value, (_, allowed) in zip(a, checks, strict=True):
                if type(value) not in allowed:
                    a = slow(given)
                    break
        evaluation: Evaluation = new_object(Evaluation)
        set_verdict(evaluation, decide(a))
        set_actuals(evaluation, a)
        return evaluation

    return evaluate_many

"""Running the examples rule authors write beside their rules, with coverage: the rules and
table rows that no example exercises."""

from __future__ import annotations

from dataclasses import dataclass

from wooconnect.domain.rules.compile import RuleSet
from wooconnect.domain.rules.errors import FactsError
from wooconnect.domain.rules.evaluation import Evaluation
from wooconnect.domain.rules.model import Example, RuleSetKind, SourcePosition


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    example: str
    message: str
    at: SourcePosition | None

    def __str__(self) -> str:
        prefix = f"{self.at}: " if self.at is not None else ""
        return f"{prefix}example `{self.example}`: {self.message}"


@dataclass(frozen=True, slots=True)
class ExampleReport:
    """The outcome of one rule set's examples."""

    rule_set: RuleSet
    passed: int
    failures: tuple[ExampleFailure, ...]
    covered: tuple[str, ...]
    uncovered: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def fully_covered(self) -> bool:
        return not self.uncovered


def run_examples(rule_set: RuleSet) -> ExampleReport:
    """Evaluate every example of the rule set and compare with what it expects."""
    failures: list[ExampleFailure] = []
    exercised: set[str] = set()
    passed = 0
    for example in rule_set.definition.examples:
        try:
            evaluation = rule_set.evaluate(example.given)
        except FactsError as exc:
            failures.append(ExampleFailure(example.name, str(exc), example.at))
            continue
        exercised.update(evaluation.covers)
        problem = _mismatch(rule_set, example, evaluation)
        if problem is None:
            passed += 1
        else:
            failures.append(ExampleFailure(example.name, problem, example.expect_at or example.at))
    items = rule_set.coverage_items()
    return ExampleReport(
        rule_set=rule_set,
        passed=passed,
        failures=tuple(failures),
        covered=tuple(item for item in items if item in exercised),
        uncovered=tuple(item for item in items if item not in exercised),
    )


def _mismatch(rule_set: RuleSet, example: Example, evaluation: Evaluation) -> str | None:
    decision = evaluation.decision
    if rule_set.kind is RuleSetKind.CRITERIA:
        expected = sorted(str(item) for item in example.expect)  # type: ignore[attr-defined]
        got = sorted(evaluation.matched)
        if expected != got:
            return f"expected refusals {expected}, got {got}"
    elif decision != example.expect or type(decision) is not type(example.expect):
        return f"expected {example.expect!r}, got {decision!r} (by rule `{evaluation.matched[0]}`)"
    if example.rule is not None and example.rule not in evaluation.matched:
        return f"expected rule `{example.rule}` to decide, but {list(evaluation.matched)} did"
    return None

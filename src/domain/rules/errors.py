"""Errors of the rule engine. All are `DomainError`s, so the HTTP adapter can answer 422."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wooconnect.domain.errors import DomainError
from wooconnect.domain.rules.model import Issue


class RuleError(DomainError):
    """Base of the rule engine's errors."""


class UnknownRuleSet(RuleError):
    """No rule set has this id."""

    def __init__(self, rule_set_id: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"unknown rule set `{rule_set_id}` (known: {names})")
        self.rule_set_id = rule_set_id


class FactsError(RuleError):
    """The facts given to a rule set are missing or of the wrong type; `problems` lists each."""

    def __init__(self, rule_set_id: str, problems: Sequence[str]) -> None:
        super().__init__(f"rule set `{rule_set_id}` cannot use these facts: " + "; ".join(problems))
        self.rule_set_id = rule_set_id
        self.problems = tuple(problems)


class InvalidRuleSet(RuleError):
    """A rule set definition that cannot be compiled; `issues` says where and why."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = tuple(issues)

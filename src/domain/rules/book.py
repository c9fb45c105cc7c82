"""The rule book: every compiled rule set in force, with per-agency overrides, as one immutable
snapshot. Replacing the rules means building a new book and swapping the reference to it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from wooconnect.domain.rules.compile import RuleSet
from wooconnect.domain.rules.errors import InvalidRuleSet, UnknownRuleSet
from wooconnect.domain.rules.evaluation import Evaluation
from wooconnect.domain.rules.model import Issue


@dataclass(frozen=True, slots=True)
class RuleBook:
    """All default rule sets by id, and each agency's overrides by agency id then rule set id.

    `version` is a hash over every set's id and version, so any change to any file changes it.
    Build it with `RuleBook.build`, which checks that every override replaces a default of the
    same kind and hit policy.
    """

    defaults: Mapping[str, RuleSet]
    overrides: Mapping[str, Mapping[str, RuleSet]] = field(default_factory=dict)
    version: str = ""

    @classmethod
    def build(
        cls,
        defaults: Iterable[RuleSet],
        overrides: Mapping[str, Iterable[RuleSet]] | None = None,
    ) -> RuleBook:
        """Assemble a book; raises `InvalidRuleSet` for duplicate ids and bad overrides."""
        issues: list[Issue] = []
        by_id: dict[str, RuleSet] = {}
        for rule_set in defaults:
            if rule_set.id in by_id:
                issues.append(
                    Issue(f"rule set `{rule_set.id}` is also defined in {by_id[rule_set.id].file}")
                )
            by_id[rule_set.id] = rule_set
        agencies: dict[str, Mapping[str, RuleSet]] = {}
        for agency_id, agency_sets in sorted((overrides or {}).items()):
            own: dict[str, RuleSet] = {}
            for rule_set in agency_sets:
                issues.extend(_override_issues(agency_id, rule_set, by_id, own))
                own[rule_set.id] = rule_set
            agencies[agency_id] = MappingProxyType(own)
        if issues:
            raise InvalidRuleSet(issues)
        digest = hashlib.sha256()
        for scope, sets in [("", by_id), *sorted(agencies.items())]:
            for rule_set_id, rule_set in sorted(sets.items()):
                digest.update(f"{scope}/{rule_set_id}@{rule_set.version}\n".encode())
        return cls(MappingProxyType(by_id), MappingProxyType(agencies), digest.hexdigest()[:12])

    @classmethod
    def empty(cls) -> RuleBook:
        """A book without rules (before anything was loaded)."""
        return cls.build(())

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.defaults))

    def get(self, rule_set_id: str, agency_id: str | None = None) -> RuleSet:
        """The agency's own version of the rule set if it has one, else the default."""
        if agency_id is not None:
            own = self.overrides.get(agency_id)
            if own is not None and rule_set_id in own:
                return own[rule_set_id]
        try:
            return self.defaults[rule_set_id]
        except KeyError:
            raise UnknownRuleSet(rule_set_id, self.defaults) from None

    def evaluate(
        self, rule_set_id: str, facts: Mapping[str, object], agency_id: str | None = None
    ) -> Evaluation:
        """Evaluate a rule set (the agency's override where it has one) against flat facts.

        Raises `UnknownRuleSet` for an unknown id and `FactsError` for missing or ill-typed facts.
        """
        return self.get(rule_set_id, agency_id).evaluate(facts)

    def all_rule_sets(self) -> list[tuple[str | None, RuleSet]]:
        """Every rule set with its agency (None for defaults), defaults first."""
        listed: list[tuple[str | None, RuleSet]] = [
            (None, rs) for _, rs in sorted(self.defaults.items())
        ]
        for agency_id, own in sorted(self.overrides.items()):
            listed.extend((agency_id, rs) for _, rs in sorted(own.items()))
        return listed


def _override_issues(
    agency_id: str, rule_set: RuleSet, defaults: Mapping[str, RuleSet], own: Mapping[str, RuleSet]
) -> list[Issue]:
    at = rule_set.definition.at
    default = defaults.get(rule_set.id)
    if rule_set.id in own:
        return [Issue(f"agency {agency_id} overrides `{rule_set.id}` twice", at)]
    if default is None:
        known = ", ".join(sorted(defaults)) or "none"
        return [
            Issue(
                f"agency {agency_id} overrides `{rule_set.id}`, which is not a default rule set "
                f"(defaults: {known})",
                at,
            )
        ]
    if (rule_set.kind, rule_set.hit_policy) != (default.kind, default.hit_policy):
        return [
            Issue(
                f"an override must keep the default's kind and hit policy "
                f"({default.kind.value}, {default.hit_policy.value}); this one has "
                f"({rule_set.kind.value}, {rule_set.hit_policy.value})",
                at,
            )
        ]
    return []

"""The rule engine: declarative rule sets compiled into closures, evaluated with a trace.

Usage: a loader builds `RuleSetDefinition`s (the definition tree, from `rules.model`),
`compile_rule_set` turns each into a `RuleSet`, `RuleBook.build` assembles them (with
per-agency overrides), and the app layer calls
`book.evaluate("order_status", {"order.status": "refunded"}, agency_id=...)`. The result is an
`Evaluation`: `decision`, `outcome`, `matched`, `message`, `version` and `trace.to_dict()`.
"""

from wooconnect.domain.rules.book import RuleBook
from wooconnect.domain.rules.compile import RuleSet, compile_rule_set
from wooconnect.domain.rules.errors import FactsError, InvalidRuleSet, RuleError, UnknownRuleSet
from wooconnect.domain.rules.evaluation import ConditionTrace, Evaluation, Trace
from wooconnect.domain.rules.examples import ExampleFailure, ExampleReport, run_examples
from wooconnect.domain.rules.facts import flatten_facts
from wooconnect.domain.rules.model import FactType, HitPolicy, Issue, RuleSetKind, SourcePosition
from wooconnect.domain.rules.operators import OPERATORS
from wooconnect.domain.rules.validate import validate

__all__ = [
    "OPERATORS",
    "ConditionTrace",
    "Evaluation",
    "ExampleFailure",
    "ExampleReport",
    "FactType",
    "FactsError",
    "HitPolicy",
    "InvalidRuleSet",
    "Issue",
    "RuleBook",
    "RuleError",
    "RuleSet",
    "RuleSetKind",
    "SourcePosition",
    "Trace",
    "UnknownRuleSet",
    "compile_rule_set",
    "flatten_facts",
    "run_examples",
    "validate",
]

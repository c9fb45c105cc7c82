"""Hit policies, traces, version stamps, facts checking and the rule book."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from tests.rules.conftest import STATUS_RULES, compile_yaml
from wooconnect.domain.rules import (
    FactsError,
    InvalidRuleSet,
    RuleBook,
    UnknownRuleSet,
    run_examples,
)

_CRITERIA = """\
id: crit
kind: criteria
hit_policy: collect
facts:
  a: {type: integer}
rules:
  - {id: big, when: {field: a, in: [5, 6]}, message: too big}
  - {id: odd, when: {field: a, in: [1, 5]}, message: odd}
"""

_FIRST = """\
id: elig
kind: eligibility
hit_policy: first
facts:
  role: {type: string}
  email: {type: string}
rules:
  - id: ok
    when:
      all:
        - {field: role, in: [customer, subscriber]}
        - {field: email, empty: false}
    then: import
  - {id: staff, when: {field: role, not_in: [customer, subscriber]}, then: skip, message: staff}
  - {id: no_email, then: skip, message: no e-mail}
"""


def test_first_policy_lets_the_first_matching_rule_decide() -> None:
    rule_set = compile_yaml(_FIRST)
    assert rule_set.evaluate({"role": "customer", "email": "a@b"}).outcome == "imported"
    staff = rule_set.evaluate({"role": "administrator", "email": ""})
    assert (staff.decision, staff.outcome, staff.matched, staff.message) == (
        "skip",
        "skipped",
        ("staff",),
        "staff",
    )
    assert rule_set.evaluate({"role": "customer", "email": ""}).matched == ("no_email",)


def test_first_policy_traces_the_rules_tried_up_to_the_match() -> None:
    evaluation = compile_yaml(_FIRST).evaluate({"role": "customer", "email": ""})
    trace = evaluation.trace.to_dict()
    assert trace["matched"] == ["no_email"]
    assert [
        (c["rule"], c["field"], c["op"], c["actual"], c["ok"]) for c in trace["conditions"]
    ] == [
        ("ok", "role", "in", "customer", True),
        ("ok", "email", "empty", "", False),
        ("staff", "role", "not_in", "customer", False),
    ]


def test_collect_policy_reports_every_matching_rule() -> None:
    rule_set = compile_yaml(_CRITERIA)
    both = rule_set.evaluate({"a": 5})
    assert both.outcome == "refused"
    assert both.decision == [{"id": "big", "message": "too big"}, {"id": "odd", "message": "odd"}]
    assert both.matched == ("big", "odd")
    assert len(both.trace.conditions) == 2
    allowed = rule_set.evaluate({"a": 2})
    assert (allowed.outcome, allowed.decision, allowed.matched) == ("allowed", [], ())


def test_unique_policy_evaluates_like_first_once_rows_are_proven_disjoint() -> None:
    rule_set = compile_yaml(
        _CRITERIA.replace("kind: criteria", "kind: mapping")
        .replace("collect", "unique")
        .replace("message: too big", "then: big")
        .replace("message: odd", "then: small")
        .replace("in: [1, 5]", "in: [1, 3]")
        + "  - {id: other, then: other}\n"
    )
    assert [rule_set.evaluate({"a": a}).decision for a in (5, 3, 9)] == ["big", "small", "other"]


def test_mapping_table_selects_the_row_and_traces_the_lookup() -> None:
    rule_set = compile_yaml(STATUS_RULES)
    evaluation = rule_set.evaluate({"order.status": "refunded"})
    assert (evaluation.decision, evaluation.outcome) == ("completed", "mapped")
    assert evaluation.covers == ("known", "known[refunded]")
    (condition,) = evaluation.trace.conditions
    assert condition.to_dict() == {
        "rule": "known",
        "field": "order.status",
        "op": "map",
        "actual": "refunded",
        "expected": ["completed", "refunded"],
        "ok": True,
    }


def test_every_evaluation_is_stamped_with_the_rule_set_version() -> None:
    rule_set = compile_yaml(STATUS_RULES)
    other = compile_yaml(
        STATUS_RULES + "  - {name: more, given: {order.status: x}, expect: pending}\n"
    )
    evaluation = rule_set.evaluate({"order.status": "x"})
    assert evaluation.version == rule_set.version == evaluation.trace.version
    assert len(rule_set.version) == 12
    assert other.version != rule_set.version


def test_evaluation_serialises_to_json() -> None:
    evaluation = compile_yaml(_CRITERIA).evaluate({"a": 5})
    data = json.loads(json.dumps(evaluation.to_dict()))
    assert set(data) == {
        "rule_set",
        "version",
        "decision",
        "outcome",
        "matched",
        "message",
        "trace",
    }
    assert set(data["trace"]) == {"rule_set", "version", "hit_policy", "matched", "conditions"}


def test_decisions_handed_out_cannot_change_later_evaluations() -> None:
    rule_set = compile_yaml(_CRITERIA)
    rule_set.evaluate({"a": 5}).decision.clear()
    assert len(rule_set.evaluate({"a": 5}).decision) == 2


def test_missing_and_ill_typed_facts_raise_a_facts_error_listing_each() -> None:
    rule_set = compile_yaml(_FIRST)
    with pytest.raises(FactsError) as caught:
        rule_set.evaluate({"role": 3})
    assert caught.value.problems == (
        "fact `role` must be of type string, got integer 3",
        "missing fact `email` (string)",
    )
    with pytest.raises(FactsError):
        rule_set.evaluate(None)  # type: ignore[arg-type]


def test_string_enums_are_accepted_as_strings() -> None:
    class Status(StrEnum):
        REFUNDED = "refunded"

    assert compile_yaml(STATUS_RULES).evaluate({"order.status": Status.REFUNDED}).decision == (
        "completed"
    )


def test_booleans_are_not_integers() -> None:
    with pytest.raises(FactsError):
        compile_yaml(_CRITERIA).evaluate({"a": True})


def test_extra_facts_are_ignored() -> None:
    evaluation = compile_yaml(STATUS_RULES).evaluate({"order.status": "completed", "other": 1})
    assert evaluation.decision == "completed"


def test_examples_report_failures_and_coverage() -> None:
    broken = STATUS_RULES.replace("expect: pending", "expect: completed")
    report = run_examples(
        compile_yaml(
            broken.replace(
                "  - {name: refunded, given: {order.status: refunded}, expect: completed}\n", ""
            )
        )
    )
    assert report.passed == 1
    assert [f.message for f in report.failures] == [
        "expected 'completed', got 'pending' (by rule `other`)"
    ]
    assert report.uncovered == ("known[refunded]",)


def test_rule_book_picks_the_agency_override_and_keeps_the_default_elsewhere() -> None:
    default = compile_yaml(STATUS_RULES)
    override = compile_yaml(STATUS_RULES.replace("refunded: completed", "shipped: completed"))
    book = RuleBook.build([default], {"agency-1": [override]})
    assert (
        book.evaluate("order_status", {"order.status": "shipped"}, agency_id="agency-1").decision
        == "completed"
    )
    assert (
        book.evaluate("order_status", {"order.status": "shipped"}, agency_id="agency-2").decision
        == "pending"
    )
    assert book.evaluate("order_status", {"order.status": "shipped"}).decision == "pending"
    assert book.get("order_status", "agency-1") is override
    assert book.version != RuleBook.build([default]).version


def test_an_override_without_a_default_is_refused() -> None:
    with pytest.raises(InvalidRuleSet, match="not a default rule set"):
        RuleBook.build([], {"agency-1": [compile_yaml(STATUS_RULES)]})


def test_an_override_of_another_kind_is_refused() -> None:
    default = compile_yaml(STATUS_RULES)
    other = compile_yaml(
        STATUS_RULES.replace("kind: mapping", "kind: eligibility")
        .replace(": completed", ": import")
        .replace("then: pending", "then: import")
        .replace("expect: pending", "expect: import")
    )
    with pytest.raises(InvalidRuleSet, match="must keep the default's kind"):
        RuleBook.build([default], {"agency-1": [other]})


def test_unknown_rule_set_is_a_domain_error_naming_the_known_ones() -> None:
    book = RuleBook.build([compile_yaml(STATUS_RULES)])
    with pytest.raises(UnknownRuleSet, match=r"unknown rule set `nope` \(known: order_status\)"):
        book.evaluate("nope", {})


def test_describe_lists_rules_in_the_file_shape() -> None:
    described = compile_yaml(_FIRST).describe()
    assert described["id"] == "elig"
    rules = described["rules"]
    assert isinstance(rules, list)
    assert rules[1] == {
        "id": "staff",
        "when": {"field": "role", "not_in": ["customer", "subscriber"]},
        "then": "skip",
        "message": "staff",
    }


def test_describe_lists_the_examples_with_their_facts() -> None:
    with_examples = _FIRST + (
        "examples:\n  - {name: a customer, given: {role: customer, email: a@b}, expect: import}\n"
    )
    described = compile_yaml(with_examples).describe()
    assert described["examples"] == [
        {"name": "a customer", "facts": {"role": "customer", "email": "a@b"}}
    ]
    assert compile_yaml(_FIRST).describe()["examples"] == []


def test_a_null_table_fact_selects_no_row_and_the_catch_all_decides() -> None:
    nullable = STATUS_RULES.replace(
        "order.status: {type: string}", "order.status:\n    type: string\n    nullable: true"
    )
    evaluation = compile_yaml(nullable).evaluate({"order.status": None})
    assert (evaluation.decision, evaluation.matched) == ("pending", ("other",))
    (condition,) = evaluation.trace.conditions
    assert (condition.actual, condition.ok) == (None, False)


def test_each_set_of_refusals_is_reported_with_its_own_rules() -> None:
    rule_set = compile_yaml(_CRITERIA)
    assert [rule_set.evaluate({"a": a}).matched for a in (6, 1, 5, 2, 6)] == [
        ("big",),
        ("odd",),
        ("big", "odd"),
        (),
        ("big",),
    ]
    assert rule_set.evaluate({"a": 1}).message == "odd"
    assert rule_set.evaluate({"a": 5}).message == "too big; odd"


def test_the_trace_of_a_first_rule_set_stops_at_the_deciding_rule() -> None:
    evaluation = compile_yaml(_FIRST).evaluate({"role": "administrator", "email": "a@b"})
    assert evaluation.matched == ("staff",)
    assert [(c.rule, c.ok) for c in evaluation.trace.conditions] == [
        ("ok", False),
        ("ok", True),
        ("staff", True),
    ]

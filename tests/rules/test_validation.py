"""Every validation error names the file, line and column of its cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rules.conftest import compile_yaml, load_errors
from wooconnect.adapters.rules_yaml import RuleLoadError, load_rule_file

_HEAD = """\
id: probe
kind: mapping
hit_policy: first
facts:
  order.status: {type: string}
  order.total: {type: number}
"""


def _rules(body: str) -> str:
    return _HEAD + body


def _when(condition: str) -> str:
    """A set whose first rule (line 8) has the condition on line 9, then a catch-all."""
    return _rules(
        f"rules:\n  - id: a\n    when: {condition}\n    then: c\n  - {{id: b, then: d}}\n"
    )


def test_unknown_operator_is_reported_with_its_line() -> None:
    errors = load_errors(
        _rules(
            "rules:\n"
            "  - id: a\n"
            "    when: {field: order.status, eqq: completed}\n"
            "    then: completed\n"
            "  - {id: b, then: pending}\n"
        )
    )
    assert len(errors) == 1
    assert errors[0].startswith("test.yaml:9:33: unknown operator `eqq` (did you mean `eq`?)")


def test_misspelled_field_key_in_a_rule_is_reported_with_its_line() -> None:
    errors = load_errors(
        _rules("rules:\n  - id: a\n    wehn: {field: order.status, eq: x}\n    then: c\n")
    )
    assert errors == [
        "test.yaml:9:5: unknown key `wehn` (did you mean `when`?); allowed here: id, "
        "description, when, table, then, message, outcome"
    ]


def test_misspelled_top_level_key_is_reported_with_its_line() -> None:
    errors = load_errors(_HEAD + "rulez: []\n")
    assert errors[0].startswith("test.yaml:7:1: unknown key `rulez` (did you mean `rules`?)")


def test_unknown_fact_is_reported_with_a_suggestion() -> None:
    errors = load_errors(_when("{field: order.stauts, eq: x}"))
    assert errors == [
        "test.yaml:9:19: unknown field `order.stauts` (did you mean `order.status`?); "
        "declared facts: order.status, order.total"
    ]


def test_operand_of_the_wrong_type_is_reported_at_the_value() -> None:
    errors = load_errors(_when("{field: order.total, eq: high}"))
    assert errors == [
        "test.yaml:9:36: `order.total` is a number fact: `eq` needs a number, got string 'high'"
    ]


def test_operator_that_does_not_apply_to_the_fact_type_is_reported() -> None:
    errors = load_errors(_when("{field: order.total, matches: '1'}"))
    assert errors[0].startswith("test.yaml:9:32: `matches` does not apply to `order.total`")


def test_wrong_structural_type_is_reported_at_the_value() -> None:
    errors = load_errors(_rules("rules:\n  - id: [a]\n    then: c\n"))
    assert errors == ["test.yaml:8:9: expected a string, got a list"]


def test_invalid_regular_expression_is_reported() -> None:
    errors = load_errors(_when("{field: order.status, matches: '(('}"))
    assert errors[0].startswith(
        "test.yaml:9:42: `order.status` is a string fact: `matches` has an invalid"
    )


def test_duplicate_rule_ids_are_reported_at_the_second() -> None:
    errors = load_errors(
        _rules(
            "rules:\n  - id: a\n    when: {field: order.status, eq: x}\n    then: c\n"
            "  - id: a\n    then: d\n"
        )
    )
    assert errors == ["test.yaml:11:9: duplicate rule id `a` (first used at line 8)"]


def test_duplicate_yaml_keys_are_reported() -> None:
    errors = load_errors(
        _rules(
            "rules:\n  - id: t\n    table:\n      field: order.status\n      rows:\n"
            "        done: completed\n        done: cancelled\n  - {id: b, then: d}\n"
        )
    )
    assert errors == ["test.yaml:13:9: duplicate key `done` (first at line 12)"]


def test_rule_after_the_catch_all_is_reported_as_unreachable() -> None:
    errors = load_errors(
        _rules(
            "rules:\n  - id: all\n    then: c\n"
            "  - id: late\n    when: {field: order.status, eq: x}\n    then: d\n"
        )
    )
    assert errors == [
        "test.yaml:10:5: rule `late` can never match: it comes after the catch-all rule `all` "
        "(a rule without `when` matches everything)"
    ]


def test_first_without_a_catch_all_is_refused() -> None:
    errors = load_errors(
        _rules("rules:\n  - id: a\n    when: {field: order.status, eq: x}\n    then: c\n")
    )
    assert errors[0].startswith("test.yaml:8:3: a `first` rule set needs a catch-all rule last")


def test_overlapping_rows_under_unique_are_reported_with_an_example() -> None:
    text = _rules(
        "rules:\n"
        "  - id: a\n    when: {field: order.status, in: [x, y]}\n    then: c\n"
        "  - id: b\n    when: {field: order.status, ne: z}\n    then: d\n"
        "  - {id: c, then: e}\n"
    ).replace("hit_policy: first", "hit_policy: unique")
    errors = load_errors(text)
    assert errors == [
        "test.yaml:11:5: rules `a` and `b` can both match, e.g. when order.status is 'x'; under "
        "`unique` at most one rule may match (use `hit_policy: first` to let the order decide)"
    ]


def test_disjoint_rows_under_unique_are_accepted() -> None:
    text = _rules(
        "rules:\n"
        "  - id: a\n    when: {field: order.status, in: [x, y]}\n    then: c\n"
        "  - id: b\n"
        "    when: {all: [{field: order.status, not_in: [x, y]}, {field: order.total, eq: 1}]}\n"
        "    then: d\n"
        "  - {id: c, then: e}\n"
    ).replace("hit_policy: first", "hit_policy: unique")
    rule_set = compile_yaml(text)
    assert rule_set.evaluate({"order.status": "q", "order.total": 1}).decision == "d"


def test_unknown_kind_and_hit_policy_are_reported_with_suggestions() -> None:
    errors = load_errors(
        _HEAD.replace("mapping", "maping").replace("first", "frist")
        + "rules:\n  - {id: a, then: b}\n"
    )
    assert errors[0].startswith("test.yaml:2:7: unknown kind `maping` (did you mean `mapping`?)")
    assert errors[1].startswith(
        "test.yaml:3:13: unknown hit_policy `frist` (did you mean `first`?)"
    )


def test_unknown_fact_type_is_reported() -> None:
    errors = load_errors(
        _HEAD.replace("type: number", "type: float") + "rules:\n  - {id: a, then: b}\n"
    )
    assert errors[0].startswith("test.yaml:6:23: unknown fact type `float`")


def test_decision_of_the_wrong_shape_for_the_kind_is_reported() -> None:
    errors = load_errors(_rules("rules:\n  - id: a\n    then: 3\n"))
    assert errors == [
        "test.yaml:9:11: rule `a`: a mapping decides a non-empty string, got integer 3"
    ]


def test_skip_without_a_reason_is_reported() -> None:
    text = (
        _HEAD.replace("kind: mapping", "kind: eligibility") + "rules:\n  - id: a\n    then: skip\n"
    )
    errors = load_errors(text)
    assert errors == ["test.yaml:8:5: rule `a` skips records: give it a `message` saying why"]


def test_criteria_rule_without_message_and_catch_all_under_collect_are_reported() -> None:
    text = (
        _HEAD.replace("kind: mapping", "kind: criteria").replace("first", "collect")
        + "rules:\n  - id: a\n    when: {field: order.status, eq: x}\n  - id: b\n    message: m\n"
    )
    errors = load_errors(text)
    assert errors == [
        "test.yaml:8:5: criteria rule `a` needs a `message` saying why it refuses",
        "test.yaml:10:5: rule `b` has no `when`: under `collect` it would match every input",
    ]


def test_policy_rules_must_decide_the_same_names() -> None:
    text = _HEAD.replace("kind: mapping", "kind: policy") + (
        "rules:\n  - id: a\n    when: {field: order.status, eq: x}\n"
        "    then: {create: true}\n    outcome: o\n"
        "  - id: b\n    then: {create: true, update: false}\n    outcome: p\n"
    )
    errors = load_errors(text)
    assert errors[0].startswith(
        "test.yaml:13:11: rule `b` decides ['create', 'update'] but rule `a`"
    )


def test_condition_without_an_operator_is_reported() -> None:
    errors = load_errors(_rules("rules:\n  - id: a\n    when: {field: order.status}"))
    assert errors == [
        "test.yaml:9:11: the condition on `order.status` has no operator (eq, in, exists...)"
    ]


def test_two_operators_in_one_condition_are_reported() -> None:
    errors = load_errors(_when("{field: order.status, eq: x, ne: y}"))
    assert errors[0].startswith("test.yaml:9:40: one operator per condition (found eq, ne)")


def test_invalid_yaml_is_reported_with_its_position() -> None:
    errors = load_errors("id: probe\nrules: [\n")
    assert errors[0].startswith("test.yaml:3:1: invalid YAML")


def test_missing_required_key_is_reported() -> None:
    errors = load_errors("id: probe\nkind: mapping\nhit_policy: first\n")
    assert errors == ["test.yaml:1:1: missing required key `rules`"]


@pytest.mark.parametrize(
    ("example", "message"),
    [
        ("{name: e, given: {order.status: x}, expect: c}", "does not give `order.total`"),
        (
            "{name: e, given: {order.status: 1, order.total: 1}, expect: c}",
            "fact `order.status` is a string",
        ),
        (
            "{name: e, given: {order.stat: x, order.status: x, order.total: 1}, expect: c}",
            "unknown fact `order.stat`",
        ),
        (
            "{name: e, given: {order.status: x, order.total: 1}, expect: c, rule: nope}",
            "unknown rule `nope`",
        ),
        (
            "{name: e, given: {order.status: x, order.total: 1}, expect: [c]}",
            "`expect`: a mapping decides",
        ),
    ],
)
def test_examples_that_could_never_run_are_reported(example: str, message: str) -> None:
    errors = load_errors(_rules("rules:\n  - {id: b, then: d}\nexamples:\n  - " + example + "\n"))
    assert len(errors) == 1
    assert errors[0].startswith("test.yaml:")
    assert message in errors[0]


def test_a_rule_set_in_a_file_of_another_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(_rules("rules:\n  - {id: b, then: d}\n"), encoding="utf-8")
    with pytest.raises(RuleLoadError) as caught:
        load_rule_file(path, display="other.yaml")
    assert caught.value.errors == (
        "other.yaml:1:5: the rule set `probe` must be in a file named probe.yaml "
        "(this file is other.yaml)",
    )

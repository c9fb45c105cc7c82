"""Each field operator, on literals, nulls and other facts."""

from __future__ import annotations

import pytest

from tests.rules.conftest import compile_yaml


def _trigger(condition: str, facts: str) -> object:
    return compile_yaml(
        f"""
        id: probe
        kind: trigger
        hit_policy: first
        facts:
{facts}
        rules:
          - id: hit
            when: {condition}
            then: true
          - id: miss
            then: false
        """
    )


_FACTS = """\
          s: {type: string, nullable: true}
          n: {type: integer}
          x: {type: number}
          b: {type: boolean}
          l: {type: list, nullable: true}
          t: {type: string}"""


@pytest.mark.parametrize(
    ("condition", "facts", "expected"),
    [
        ("{field: s, eq: a}", {"s": "a"}, True),
        ("{field: s, eq: a}", {"s": "b"}, False),
        ("{field: s, eq: a}", {"s": None}, False),
        ("{field: n, eq: 0}", {"n": 0}, True),
        ("{field: x, eq: 1.5}", {"x": 1.5}, True),
        ("{field: b, eq: false}", {"b": False}, True),
        ("{field: s, ne: a}", {"s": "b"}, True),
        ("{field: s, ne: a}", {"s": "a"}, False),
        ("{field: s, in: [a, b]}", {"s": "b"}, True),
        ("{field: s, in: [a, b]}", {"s": "c"}, False),
        ("{field: s, in: [a, b]}", {"s": None}, False),
        ("{field: s, not_in: [a, b]}", {"s": "c"}, True),
        ("{field: s, not_in: [a, b]}", {"s": None}, True),
        ("{field: n, in: [1, 2]}", {"n": 2}, True),
        ("{field: s, exists: true}", {"s": "a"}, True),
        ("{field: s, exists: true}", {"s": None}, False),
        ("{field: s, exists: false}", {"s": None}, True),
        ("{field: s, empty: true}", {"s": ""}, True),
        ("{field: s, empty: true}", {"s": None}, True),
        ("{field: s, empty: true}", {"s": "a"}, False),
        ("{field: s, empty: false}", {"s": "a"}, True),
        ("{field: l, empty: true}", {"l": []}, True),
        ("{field: l, empty: false}", {"l": ["x"]}, True),
        ("{field: s, matches: '^wc-'}", {"s": "wc-x"}, True),
        ("{field: s, matches: '^wc-'}", {"s": "x-wc-"}, False),
        ("{field: s, matches: '^wc-'}", {"s": None}, False),
        ("{field: l, contains: x}", {"l": ["x", "y"]}, True),
        ("{field: l, contains: z}", {"l": ["x"]}, False),
        ("{field: l, contains: z}", {"l": None}, False),
        ("{field: s, eq: {fact: t}}", {"s": "a", "t": "a"}, True),
        ("{field: s, ne: {fact: t}}", {"s": "a", "t": "a"}, False),
        ("{field: t, in: {fact: l}}", {"t": "a", "l": ["a"]}, True),
        ("{field: t, in: {fact: l}}", {"t": "a", "l": None}, False),
        ("{field: t, not_in: {fact: l}}", {"t": "a", "l": ["b"]}, True),
        ("{field: l, contains: {fact: t}}", {"t": "a", "l": ["a"]}, True),
        ("{all: [{field: s, eq: a}, {field: n, eq: 1}]}", {"s": "a", "n": 1}, True),
        ("{all: [{field: s, eq: a}, {field: n, eq: 1}]}", {"s": "a", "n": 2}, False),
        (
            "{all: [{field: s, eq: a}, {field: n, eq: 1}, {field: b, eq: true}]}",
            {"s": "a", "n": 1, "b": True},
            True,
        ),
        ("{any: [{field: s, eq: a}, {field: n, eq: 1}]}", {"s": "z", "n": 1}, True),
        ("{any: [{field: s, eq: a}, {field: n, eq: 1}]}", {"s": "z", "n": 2}, False),
        (
            "{any: [{field: s, eq: a}, {field: n, eq: 1}, {field: b, eq: true}]}",
            {"s": "z", "n": 2, "b": True},
            True,
        ),
        ("{not: {field: s, eq: a}}", {"s": "a"}, False),
        ("{not: {field: s, eq: a}}", {"s": "b"}, True),
    ],
)
def test_operator_decides_as_documented(
    condition: str, facts: dict[str, object], expected: bool
) -> None:
    rule_set = _trigger(condition, _FACTS)
    given: dict[str, object] = {"s": None, "n": 0, "x": 0.0, "b": False, "l": None, "t": ""}
    given.update(facts)
    assert rule_set.evaluate(given).decision is expected


def test_every_leaf_of_the_deciding_rule_is_traced_with_its_result() -> None:
    rule_set = _trigger("{all: [{field: s, eq: a}, {not: {field: n, eq: 1}}]}", _FACTS)
    evaluation = rule_set.evaluate({"s": "a", "n": 2, "x": 0, "b": True, "l": [], "t": ""})
    conditions = [c.to_dict() for c in evaluation.trace.conditions]
    assert conditions == [
        {"rule": "hit", "field": "s", "op": "eq", "actual": "a", "expected": "a", "ok": True},
        {"rule": "hit", "field": "n", "op": "not eq", "actual": 2, "expected": 1, "ok": True},
    ]


def test_a_fact_reference_shows_the_referenced_value_in_the_trace() -> None:
    rule_set = _trigger("{field: t, in: {fact: l}}", _FACTS)
    evaluation = rule_set.evaluate({"s": None, "n": 0, "x": 0, "b": True, "l": ["q"], "t": "a"})
    (condition,) = evaluation.trace.conditions
    assert condition.to_dict()["expected"] == {"fact": "l", "value": ["q"]}
    assert condition.ok is False

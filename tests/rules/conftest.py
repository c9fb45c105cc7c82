"""Helpers for rule engine tests: rule sets written inline as YAML."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from wooconnect.adapters.rules_yaml import RuleLoadError, parse_rule_set
from wooconnect.domain.rules import RuleSet

REPO = Path(__file__).resolve().parents[2]
SHIPPED_RULES = REPO / "rules"


def compile_yaml(text: str, name: str = "test.yaml") -> RuleSet:
    """Compile a rule set from inline YAML (dedented)."""
    return parse_rule_set(textwrap.dedent(text).encode(), name)


def load_errors(text: str, name: str = "test.yaml") -> list[str]:
    """The errors loading inline YAML produces; fails the test if it loads."""
    with pytest.raises(RuleLoadError) as caught:
        compile_yaml(text, name)
    return list(caught.value.errors)


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented rule file below a temporary rules directory; returns its path."""

    def write(relative: str, text: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


STATUS_RULES = """\
id: order_status
kind: mapping
hit_policy: first
facts:
  order.status: {type: string}
rules:
  - id: known
    table:
      field: order.status
      rows:
        completed: completed
        refunded: completed
  - id: other
    then: pending
examples:
  - {name: done, given: {order.status: completed}, expect: completed}
  - {name: refunded, given: {order.status: refunded}, expect: completed}
  - {name: other, given: {order.status: on-hold}, expect: pending}
"""

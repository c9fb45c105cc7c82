"""`wooconnect rules check|test|explain`, including the shipped rules' own examples."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.rules.conftest import SHIPPED_RULES, STATUS_RULES
from wooconnect.adapters.cli.rules import register

WriteRules = Callable[[str, str], Path]


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="wooconnect")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    code: int = args.handler(args, out, err)
    return code, out.getvalue(), err.getvalue()


def test_shipped_rules_pass_their_examples_with_full_coverage() -> None:
    code, out, _ = run("rules", "test", str(SHIPPED_RULES))
    assert code == 0, out
    assert "0 failed; 0 rule(s) or table row(s) uncovered" in out
    for rule_set in (
        "connection_criteria",
        "customer_eligibility",
        "guest_handling",
        "order_contact",
        "order_status",
        "order_submitted_trigger",
        "payment_received_trigger",
    ):
        assert f"ok   {rule_set}:" in out


def test_shipped_rules_pass_check() -> None:
    code, out, err = run("rules", "check", str(SHIPPED_RULES))
    assert (code, err) == (0, "")
    assert "all rule files" in out


def test_check_refuses_a_typo_and_points_at_its_line(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES.replace("then: pending", "thne: pending"))
    code, out, err = run("rules", "check", str(path.parent))
    assert code == 1
    assert out == ""
    assert f"{path}:14:5: unknown key `thne` (did you mean `then`?)" in err
    assert "1 error;" in err


def test_check_defaults_to_the_rules_dir_setting(
    write_rules: WriteRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    monkeypatch.setenv("WOOCONNECT_RULES_DIR", str(path.parent))
    code, out, _ = run("rules", "check")
    assert code == 0
    assert "order_status" in out


def test_test_fails_on_a_wrong_expectation(write_rules: WriteRules) -> None:
    path = write_rules(
        "order_status.yaml", STATUS_RULES.replace("expect: pending", "expect: completed")
    )
    code, out, _ = run("rules", "test", str(path.parent))
    assert code == 1
    assert "FAIL order_status: 2/3 examples passed" in out
    assert "example `other`: expected 'completed', got 'pending'" in out


def test_test_fails_on_uncovered_rules_unless_allowed(write_rules: WriteRules) -> None:
    text = STATUS_RULES.replace(
        "  - {name: other, given: {order.status: on-hold}, expect: pending}\n", ""
    )
    path = write_rules("order_status.yaml", text)
    code, out, _ = run("rules", "test", str(path.parent))
    assert code == 1
    assert "not exercised by any example: other" in out
    code, out, _ = run("rules", "test", "--allow-uncovered", str(path.parent))
    assert code == 0
    assert "warn order_status" in out


def test_explain_prints_the_decision_and_why(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"customer": {"role": "administrator", "email": "a@b.c"}}))
    code, out, _ = run(
        "rules", "explain", "customer_eligibility", str(facts), "--dir", str(SHIPPED_RULES)
    )
    assert code == 0
    assert 'decision  "skip"  (outcome: skipped)' in out
    assert "matched   role_not_imported" in out
    assert "because   only customers and subscribers are imported" in out
    assert 'fail  importable_customer: customer.role in ["customer", "subscriber"]' in out


def test_explain_json_prints_the_evaluation(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"order.status": "failed"}))
    code, out, _ = run(
        "rules", "explain", "order_status", str(facts), "--dir", str(SHIPPED_RULES), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["decision"] == "cancelled"
    assert data["trace"]["matched"] == ["known_statuses"]


def test_explain_uses_the_agency_override(write_rules: WriteRules, tmp_path: Path) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    write_rules(
        "agencies/ag-1/order_status.yaml",
        STATUS_RULES.replace("refunded: completed", "shipped: completed"),
    )
    facts = tmp_path / "facts.json"
    facts.write_text('{"order.status": "shipped"}')
    _, out, _ = run(
        "rules",
        "explain",
        "order_status",
        str(facts),
        "--dir",
        str(path.parent),
        "--agency",
        "ag-1",
    )
    assert 'decision  "completed"' in out


@pytest.mark.parametrize(
    ("rule_set", "facts", "message"),
    [
        ("nope", '{"a": 1}', "unknown rule set `nope`"),
        ("order_status", '{"order.status": 1}', "fact `order.status` must be of type string"),
        ("order_status", "{not json", "not JSON"),
    ],
)
def test_explain_fails_readably(tmp_path: Path, rule_set: str, facts: str, message: str) -> None:
    path = tmp_path / "facts.json"
    path.write_text(facts)
    code, _, err = run("rules", "explain", rule_set, str(path), "--dir", str(SHIPPED_RULES))
    assert code == 1
    assert message in err

"""Hot reload: a good change is swapped in whole; a broken one never replaces the running set."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.rules.conftest import STATUS_RULES
from tests.support.waiting import eventually
from wooconnect.adapters.rules_yaml import FileRuleSource, RuleLoadError

WriteRules = Callable[[str, str], Path]


def _touch_later(path: Path) -> None:
    # mtime granularity can hide a quick rewrite; move it forward explicitly.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_good_change_is_swapped_in_and_stamps_new_decisions(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    source = FileRuleSource(path.parent)
    before = source.load()
    assert (
        source.current().evaluate("order_status", {"order.status": "shipped"}).decision == "pending"
    )

    write_rules(
        "order_status.yaml", STATUS_RULES.replace("refunded: completed", "shipped: completed")
    )
    _touch_later(path)
    assert source.reload_if_changed() is True

    after = source.current().evaluate("order_status", {"order.status": "shipped"})
    assert after.decision == "completed"
    assert after.version != before.get("order_status").version
    assert source.current().version != before.version
    assert source.last_errors == ()


@pytest.mark.parametrize(
    ("typo", "fixed", "error"),
    [
        (
            "field: order.status",
            "feld: order.status",
            "9:7: unknown key `feld` (did you mean `field`?)",
        ),
        ("then: pending", "then: 3", "14:11: rule `other`: a mapping decides a non-empty string"),
        (
            "  - id: other\n    then: pending",
            "  - id: other\n    when: {field: order.status, eqq: x}\n    then: pending",
            "14:33: unknown operator `eqq` (did you mean `eq`?)",
        ),
    ],
)
def test_a_broken_change_keeps_the_running_set_and_records_the_errors(
    write_rules: WriteRules, typo: str, fixed: str, error: str
) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    source = FileRuleSource(path.parent)
    book = source.load()

    write_rules("order_status.yaml", STATUS_RULES.replace(typo, fixed))
    _touch_later(path)
    assert source.reload_if_changed() is False

    assert source.current() is book
    assert source.current().evaluate("order_status", {"order.status": "refunded"}).decision == (
        "completed"
    )
    assert any(message.startswith(f"{path}:{error}") for message in source.last_errors), (
        source.last_errors
    )
    assert source.status()["errors"] == list(source.last_errors)


def test_unchanged_files_are_not_reloaded(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    source = FileRuleSource(path.parent)
    book = source.load()
    assert source.reload_if_changed() is False
    assert source.current() is book


def test_a_fixed_file_after_a_broken_one_is_loaded(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    source = FileRuleSource(path.parent)
    source.load()
    write_rules("order_status.yaml", "id: order_status\n")
    _touch_later(path)
    assert source.reload_if_changed() is False
    write_rules(
        "order_status.yaml", STATUS_RULES.replace("refunded: completed", "shipped: completed")
    )
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    assert source.reload_if_changed() is True
    assert source.last_errors == ()


def test_initial_load_of_broken_rules_fails_loudly(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", "id: order_status\n")
    with pytest.raises(RuleLoadError):
        FileRuleSource(path.parent).load()


def test_required_rule_sets_must_be_present(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    with pytest.raises(RuleLoadError, match="missing rule set guest_handling"):
        FileRuleSource(path.parent, required=["order_status", "guest_handling"]).load()


def test_agency_override_files_apply_to_that_agency_only(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    write_rules(
        "agencies/ag-7/order_status.yaml",
        STATUS_RULES.replace("refunded: completed", "shipped: completed"),
    )
    book = FileRuleSource(path.parent).load()
    facts = {"order.status": "shipped"}
    assert book.evaluate("order_status", facts, agency_id="ag-7").decision == "completed"
    assert book.evaluate("order_status", facts, agency_id="ag-8").decision == "pending"


def test_the_background_poller_swaps_in_a_changed_file(write_rules: WriteRules) -> None:
    path = write_rules("order_status.yaml", STATUS_RULES)
    source = FileRuleSource(path.parent, poll_interval_s=0.02)
    source.start()
    try:
        first = source.current().version
        write_rules(
            "order_status.yaml", STATUS_RULES.replace("refunded: completed", "shipped: completed")
        )
        _touch_later(path)
        eventually(lambda: source.current().version != first, what="the poller swapped the file in")
        assert source.loaded_at is not None
    finally:
        source.stop()

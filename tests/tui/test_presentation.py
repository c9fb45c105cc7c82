"""How the console computes and writes things: rates and ETAs, timestamps, rule traces."""

from __future__ import annotations

from rich.text import Text

from tests.tui.fake_rules import evaluate
from wooconnect.tui import formatting
from wooconnect.tui.models import ImportJob
from wooconnect.tui.progress import RateTracker
from wooconnect.tui.trace import facts_from_trace, parse_trace, render_trace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def job(done: int, status: str = "running", total: int | None = 1000) -> ImportJob:
    return ImportJob(entity="orders", status=status, total=total, done=done, started_at="t0")


def test_rate_and_eta_come_from_successive_polls() -> None:
    clock = Clock()
    tracker = RateTracker(clock)
    assert tracker.observe("c", job(100)).per_second is None
    clock.now += 2
    estimate = tracker.observe("c", job(300))
    assert estimate.per_second == 100
    assert estimate.eta_seconds == 7


def test_a_restarted_run_starts_a_fresh_estimate() -> None:
    clock = Clock()
    tracker = RateTracker(clock)
    tracker.observe("c", job(500))
    clock.now += 1
    assert tracker.observe("c", job(10)).per_second is None


def test_a_finished_import_has_no_eta() -> None:
    clock = Clock()
    tracker = RateTracker(clock)
    tracker.observe("c", job(900))
    clock.now += 1
    assert tracker.observe("c", job(1000, status="completed")).eta_seconds is None


def test_values_are_written_for_people() -> None:
    assert formatting.timestamp("2025-03-04T09:05:40.123456Z") == "2025-03-04 09:05:40Z"
    assert formatting.timestamp("2025-03-04T09:05:40Z", short=True) == "03-04 09:05"
    assert formatting.timestamp(None) == "—"
    assert formatting.duration(3725) == "1h 02m"
    assert formatting.duration(185) == "3m 05s"
    assert formatting.rate(0.5) == "30.0/min"
    assert formatting.rate(None) == "—"


def test_a_trace_reads_as_rules_and_conditions_with_actual_values() -> None:
    result = evaluate("customer_eligibility", {"customer": {"role": "administrator"}})
    rendered = render_trace(result["trace"], result["decision"])
    assert isinstance(rendered.renderables[1], Text)  # type: ignore[attr-defined]
    text = rendered.renderables[0].plain + rendered.renderables[1].plain  # type: ignore[attr-defined]
    assert "Rule set customer_eligibility   version 27e11da3f54d   hit policy first" in text
    assert "Decision skip" in text
    assert '✗  customer.role in ["customer", "subscriber"]   actual "administrator"' in text
    assert '✓  customer.role not_in ["customer", "subscriber"]   actual "administrator"' in text
    assert "role_not_imported  ◀ matched" in text


def test_a_partial_or_foreign_trace_still_renders() -> None:
    assert parse_trace({"matched": ["r1"]}) is not None
    assert parse_trace(["not", "a", "trace"]) is None
    assert "no trace" in render_trace(None).plain  # type: ignore[union-attr]
    comparison = {
        "rule": "r",
        "field": "a",
        "op": "lt",
        "actual": 1,
        "ok": True,
        "expected": {"fact": "b", "value": 2},
    }
    rendered = render_trace({"conditions": [comparison]})
    assert "a lt b (= 2)" in rendered.renderables[1].plain  # type: ignore[attr-defined]


def test_facts_are_rebuilt_from_a_trace() -> None:
    trace = parse_trace(evaluate("order_submitted_trigger", {"event": {"source": "live"}})["trace"])
    assert trace is not None
    assert facts_from_trace(trace) == {"event": {"source": "live"}, "order": {"first_seen": None}}

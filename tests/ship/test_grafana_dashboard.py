"""The Grafana dashboard in deploy/grafana queries only what `/metrics` exposes: every metric
name it names, and every label it selects or groups by on one of them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.http.metrics import exposition
from wooconnect.app.ports.metrics import ImportProgress, Latency, OperationsSnapshot

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "wooconnect.json"

NAME = re.compile(r"\bwooconnect_[a-z_]+\b")
SELECTOR = re.compile(r"\b(wooconnect_[a-z_]+)\{([^}]*)\}")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def _exposed() -> dict[str, set[str]]:
    """Every metric name `/metrics` writes, with the labels of its samples: the exposition of
    a snapshot in which every kind of sample is present."""
    counters = ReceiverCounters(received=1)
    counters.accept("stored")
    counters.reject("unauthenticated")
    snapshot = OperationsSnapshot(
        inbox_by_status={"pending": 1},
        oldest_pending_received_at=datetime(2026, 1, 1, tzinfo=UTC),
        triggers_by_type={"order_submitted": 1},
        trigger_deliveries_by_status={"delivered": 1},
        reconciliation_repairs=1,
        imports=[ImportProgress("orders", "running", done=1, total=2)],
        processing=Latency(1, 0.1, 0.1, 0.1),
    )
    text = exposition(
        counters, snapshot, 1.0, {"imports": 1}, {("connection-1", "store_unavailable"): 1}
    )
    labels: dict[str, set[str]] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            labels.setdefault(line.split()[2], set())
        elif not line.startswith("#"):
            name, _, rest = line.partition("{")
            labels.setdefault(name.split()[0], set()).update(
                re.findall(r'(\w+)="', rest.rpartition("}")[0])
            )
    return labels


def _queries(dashboard: dict[str, Any]) -> list[str]:
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def test_every_metric_the_dashboard_queries_is_exposed(dashboard: dict[str, Any]) -> None:
    exposed = _exposed()
    queried = {name for query in _queries(dashboard) for name in NAME.findall(query)}
    assert queried, "the dashboard queries nothing"
    assert queried <= set(exposed), sorted(queried - set(exposed))


def test_every_label_the_dashboard_uses_is_one_its_metric_has(dashboard: dict[str, Any]) -> None:
    exposed = _exposed()
    for query in _queries(dashboard):
        names = NAME.findall(query)
        known = set().union(*(exposed[name] for name in names))
        for name, matchers in SELECTOR.findall(query):
            used = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))
            assert used <= exposed[name], (query, used - exposed[name])
        for grouping in GROUPING.findall(query):
            used = {label.strip() for label in grouping.split(",") if label.strip()}
            assert used <= known, (query, used - known)


def test_the_dashboard_covers_imports_webhooks_queue_triggers_and_stores(
    dashboard: dict[str, Any],
) -> None:
    queried = {name for query in _queries(dashboard) for name in NAME.findall(query)}
    assert {
        "wooconnect_import_records_done",
        "wooconnect_import_records_processed_total",
        "wooconnect_webhook_deliveries_received_total",
        "wooconnect_webhook_deliveries_rejected_total",
        "wooconnect_queue_messages",
        "wooconnect_webhook_processing_seconds",
        "wooconnect_store_errors_total",
    } <= queried


def test_every_panel_reads_the_chosen_prometheus(dashboard: dict[str, Any]) -> None:
    [variable] = dashboard["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        assert panel["description"], panel["title"]

"""`/metrics` serves, in the Prometheus text format, this process's receiver counters (owned
by its container) and what the operations-metrics port counts in the database."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from tests.fakes.memory import FakeClock
from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.http.metrics import MetricsController
from wooconnect.app.ports.metrics import ImportProgress, OperationsSnapshot


class FixedMetrics:
    def __init__(self, snapshot: OperationsSnapshot) -> None:
        self._snapshot = snapshot

    async def snapshot(self) -> OperationsSnapshot:
        return self._snapshot


async def test_the_exposition_names_every_metric_with_its_labels_and_value() -> None:
    clock = FakeClock()
    counters = ReceiverCounters(received=4)
    counters.accept("stored")
    counters.accept("stored")
    counters.accept("ping")
    counters.reject("unauthenticated")
    snapshot = OperationsSnapshot(
        inbox_by_status={"applied": 7, "pending": 2},
        oldest_pending_received_at=clock.now() - timedelta(seconds=90),
        triggers_by_type={"order_submitted": 3},
        trigger_deliveries_by_status={"delivered": 1},
        reconciliation_repairs=5,
        imports=[ImportProgress("orders", "running", done=40, total=100)],
    )
    container = SimpleNamespace(
        receiver_counters=counters, metrics=FixedMetrics(snapshot), clock=clock
    )
    app = Litestar([MetricsController], state=State({"container": container}))
    async with AsyncTestClient(app=app) as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert answer.text.splitlines() == [
        "# TYPE wooconnect_webhook_deliveries_received_total counter",
        "wooconnect_webhook_deliveries_received_total 4",
        "# TYPE wooconnect_webhook_deliveries_accepted_total counter",
        'wooconnect_webhook_deliveries_accepted_total{kind="ping"} 1',
        'wooconnect_webhook_deliveries_accepted_total{kind="stored"} 2',
        "# TYPE wooconnect_webhook_deliveries_rejected_total counter",
        'wooconnect_webhook_deliveries_rejected_total{reason="unauthenticated"} 1',
        "# TYPE wooconnect_inbox_deliveries gauge",
        'wooconnect_inbox_deliveries{status="applied"} 7',
        'wooconnect_inbox_deliveries{status="pending"} 2',
        "# TYPE wooconnect_processing_lag_seconds gauge",
        "wooconnect_processing_lag_seconds 90.0",
        "# TYPE wooconnect_triggers_emitted_total counter",
        'wooconnect_triggers_emitted_total{type="order_submitted"} 3',
        "# TYPE wooconnect_trigger_deliveries gauge",
        'wooconnect_trigger_deliveries{status="delivered"} 1',
        "# TYPE wooconnect_reconciliation_repairs_total counter",
        "wooconnect_reconciliation_repairs_total 5",
        "# TYPE wooconnect_import_records gauge",
        'wooconnect_import_records_done{entity="orders",status="running"} 40',
        'wooconnect_import_records_total{entity="orders",status="running"} 100',
    ]


async def test_without_pending_deliveries_the_lag_is_zero() -> None:
    snapshot = OperationsSnapshot({}, None, {}, {}, 0, [])
    container = SimpleNamespace(
        receiver_counters=ReceiverCounters(), metrics=FixedMetrics(snapshot), clock=FakeClock()
    )
    app = Litestar([MetricsController], state=State({"container": container}))
    async with AsyncTestClient(app=app) as client:
        answer = await client.get("/metrics")
    assert "wooconnect_processing_lag_seconds 0.0" in answer.text.splitlines()

"""`/metrics` serves, in the Prometheus text format, this process's receiver counters (owned
by its container), what the operations-metrics port counts in the database, the job queue's
depth and the store errors every process counted."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import AsyncTestClient

from tests.fakes.memory import FakeClock
from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.http.metrics import MetricsController
from wooconnect.adapters.store_errors import StoreErrorCounts
from wooconnect.app.errors import JobQueueUnavailable
from wooconnect.app.ports.metrics import ImportProgress, Latency, OperationsSnapshot


class FixedMetrics:
    def __init__(self, snapshot: OperationsSnapshot) -> None:
        self._snapshot = snapshot
        self.asked_since: datetime | None = None

    async def snapshot(self, *, recent_since: datetime | None = None) -> OperationsSnapshot:
        self.asked_since = recent_since
        return self._snapshot


class FixedQueue:
    def __init__(self, depths: dict[str, int] | None) -> None:
        self._depths = depths

    async def depths(self) -> dict[str, int]:
        if self._depths is None:
            raise JobQueueUnavailable("Redis is down")
        return self._depths


def _app(
    snapshot: OperationsSnapshot,
    *,
    counters: ReceiverCounters | None = None,
    depths: dict[str, int] | None = None,
    store_errors: StoreErrorCounts | None = None,
    clock: FakeClock | None = None,
) -> Litestar:
    container = SimpleNamespace(
        receiver_counters=counters or ReceiverCounters(),
        metrics=FixedMetrics(snapshot),
        clock=clock or FakeClock(),
        job_queue=FixedQueue(depths),
        store_errors=store_errors or StoreErrorCounts(),
    )
    return Litestar([MetricsController], state=State({"container": container}))


def _samples(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("#")]


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
        imports=[
            ImportProgress("orders", "running", done=40, total=100, skipped=2, failed=1),
            ImportProgress("orders", "completed", done=10, total=10),
        ],
        processing=Latency(count=3, p50=0.2, p95=0.9, max=1.5),
    )
    store_errors = StoreErrorCounts()
    await store_errors.record("c1", "store_unavailable")
    await store_errors.record("c1", "store_unavailable")
    await store_errors.record("c2", "store_rejected")
    app = _app(
        snapshot,
        counters=counters,
        depths={"imports": 3, "webhooks": 1},
        store_errors=store_errors,
        clock=clock,
    )
    async with AsyncTestClient(app=app) as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert _samples(answer.text) == [
        "wooconnect_webhook_deliveries_received_total 4",
        'wooconnect_webhook_deliveries_accepted_total{kind="ping"} 1',
        'wooconnect_webhook_deliveries_accepted_total{kind="stored"} 2',
        'wooconnect_webhook_deliveries_rejected_total{reason="unauthenticated"} 1',
        'wooconnect_inbox_deliveries{status="applied"} 7',
        'wooconnect_inbox_deliveries{status="pending"} 2',
        "wooconnect_processing_lag_seconds 90.0",
        'wooconnect_webhook_processing_seconds{quantile="0.5"} 0.2',
        'wooconnect_webhook_processing_seconds{quantile="0.95"} 0.9',
        'wooconnect_webhook_processing_seconds{quantile="1"} 1.5',
        "wooconnect_webhook_processing_recent_deliveries 3",
        'wooconnect_triggers_emitted_total{type="order_submitted"} 3',
        'wooconnect_trigger_deliveries{status="delivered"} 1',
        "wooconnect_reconciliation_repairs_total 5",
        'wooconnect_import_records_done{entity="orders",status="running"} 40',
        'wooconnect_import_records_done{entity="orders",status="completed"} 10',
        'wooconnect_import_records_total{entity="orders",status="running"} 100',
        'wooconnect_import_records_total{entity="orders",status="completed"} 10',
        'wooconnect_import_records_processed_total{entity="orders"} 53',
        "wooconnect_job_queue_up 1",
        'wooconnect_queue_messages{queue="imports"} 3',
        'wooconnect_queue_messages{queue="webhooks"} 1',
        'wooconnect_store_errors_total{connection_id="c1",kind="store_unavailable"} 2',
        'wooconnect_store_errors_total{connection_id="c2",kind="store_rejected"} 1',
    ]


async def test_every_metric_is_declared_once_with_its_type_before_its_samples() -> None:
    snapshot = OperationsSnapshot({"pending": 1}, None, {}, {}, 0, [])
    async with AsyncTestClient(app=_app(snapshot, depths={})) as client:
        text = (await client.get("/metrics")).text
    declared: list[str] = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in {"counter", "gauge"}
            declared.append(name)
        elif not line.startswith("#"):
            assert line.split("{")[0].split()[0] == declared[-1], line
    assert len(declared) == len(set(declared))


async def test_without_pending_deliveries_the_lag_is_zero_and_latency_is_asked_for_5_minutes() -> (
    None
):
    snapshot = OperationsSnapshot({}, None, {}, {}, 0, [])
    clock = FakeClock()
    app = _app(snapshot, depths={}, clock=clock)
    async with AsyncTestClient(app=app) as client:
        answer = await client.get("/metrics")
    assert "wooconnect_processing_lag_seconds 0.0" in answer.text.splitlines()
    metrics = app.state.container.metrics
    assert metrics.asked_since == clock.now() - timedelta(minutes=5)


async def test_a_job_queue_that_does_not_answer_is_reported_not_an_error() -> None:
    snapshot = OperationsSnapshot({}, None, {}, {}, 0, [])
    async with AsyncTestClient(app=_app(snapshot, depths=None)) as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert "wooconnect_job_queue_up 0" in answer.text.splitlines()
    assert "wooconnect_queue_messages{" not in answer.text


def test_latency_percentiles_are_nearest_rank() -> None:
    latency = Latency.of([5.0, 1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert latency == Latency(count=10, p50=5.0, p95=10.0, max=10.0)
    assert Latency.of([]) == Latency()

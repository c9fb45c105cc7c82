"""`/metrics` in the Prometheus text format: this process's receiver counters; the database's
view of sync, triggers and imports, and the job queue's depth (shared by every process); the
store errors counted by every process (`adapters.store_errors`).

`deploy/grafana/wooconnect.json` is a dashboard over these names."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

import redis
from litestar import Controller, Response, get

from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.http.deps import (
    ADAPTER_METRICS,
    OPERATIONS_METRICS,
    RECEIVER_COUNTERS,
    Injected,
)
from wooconnect.adapters.store_errors import StoreErrorCounts
from wooconnect.adapters.worker.job_queue import DramatiqJobQueue
from wooconnect.app.errors import JobQueueUnavailable
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.metrics import OperationsMetrics, OperationsSnapshot

log = logging.getLogger(__name__)

MEDIA_TYPE = "text/plain; version=0.0.4"

# The window the processing latency is computed over.
LATENCY_WINDOW = timedelta(minutes=5)


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value}"
    return f"{name} {value}"


class _Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        self.lines.append(_line(name, value, **labels))

    def counts(self, name: str, label: str, counts: Iterable[tuple[str, float]]) -> None:
        """A sample of `name` for each count, its key the value of `label`."""
        for key, n in counts:
            self.sample(name, n, **{label: key})

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def exposition(
    counters: ReceiverCounters,
    snapshot: OperationsSnapshot,
    lag_s: float,
    queue_depths: dict[str, int] | None = None,
    store_errors: dict[tuple[str, str], int] | None = None,
) -> str:
    """The metrics as Prometheus reads them. `queue_depths` is None when the job queue did not
    answer, `store_errors` when their counts could not be read."""
    out = _Exposition()
    name = "wooconnect_webhook_deliveries_received_total"
    out.metric(name, "counter", "Webhook deliveries this process received.")
    out.sample(name, counters.received)
    name = "wooconnect_webhook_deliveries_accepted_total"
    out.metric(name, "counter", "Deliveries this process accepted, by kind (stored, ping, ...).")
    out.counts(name, "kind", sorted(counters.accepted.items()))
    name = "wooconnect_webhook_deliveries_rejected_total"
    out.metric(name, "counter", "Deliveries this process refused, by the error it answered.")
    out.counts(name, "reason", sorted(counters.rejected.items()))
    name = "wooconnect_inbox_deliveries"
    out.metric(name, "gauge", "Stored webhook deliveries by status.")
    out.counts(name, "status", snapshot.inbox_by_status.items())
    name = "wooconnect_processing_lag_seconds"
    out.metric(name, "gauge", "Age of the oldest pending webhook delivery.")
    out.sample(name, lag_s)
    name = "wooconnect_webhook_processing_seconds"
    out.metric(
        name,
        "gauge",
        "Receipt to processing (when triggers fire) of the deliveries received in the last "
        f"{LATENCY_WINDOW.seconds // 60} minutes, by quantile.",
    )
    latency = snapshot.processing
    out.counts(name, "quantile", [("0.5", latency.p50), ("0.95", latency.p95), ("1", latency.max)])
    name = "wooconnect_webhook_processing_recent_deliveries"
    out.metric(name, "gauge", "How many deliveries the processing latency was computed over.")
    out.sample(name, latency.count)
    name = "wooconnect_triggers_emitted_total"
    out.metric(name, "counter", "Workflow trigger events fired, by type.")
    out.counts(name, "type", snapshot.triggers_by_type.items())
    name = "wooconnect_trigger_deliveries"
    out.metric(name, "gauge", "Trigger deliveries to subscribers by state.")
    out.counts(name, "status", snapshot.trigger_deliveries_by_status.items())
    name = "wooconnect_reconciliation_repairs_total"
    out.metric(name, "counter", "Records reconciliation found missed and repaired.")
    out.sample(name, snapshot.reconciliation_repairs)
    for name, help_text in (
        ("wooconnect_import_records_done", "Records imported, by entity and job status."),
        ("wooconnect_import_records_total", "Records to import, by entity and job status."),
    ):
        out.metric(name, "gauge", help_text)
        for job in snapshot.imports:
            value = job.done if name.endswith("_done") else job.total
            out.sample(name, value, entity=job.entity, status=job.status)
    processed: Counter[str] = Counter()
    for job in snapshot.imports:
        processed[job.entity] += job.done + job.skipped + job.failed
    name = "wooconnect_import_records_processed_total"
    out.metric(
        name, "counter", "Records every import job went through (imported, skipped, failed)."
    )
    out.counts(name, "entity", sorted(processed.items()))
    name = "wooconnect_job_queue_up"
    out.metric(name, "gauge", "1 when the job queue answered this scrape.")
    out.sample(name, 0 if queue_depths is None else 1)
    name = "wooconnect_queue_messages"
    out.metric(name, "gauge", "Messages sent and not finished, by queue (.DQ: delayed retries).")
    out.counts(name, "queue", sorted((queue_depths or {}).items()))
    name = "wooconnect_store_errors_total"
    out.metric(
        name, "counter", "Failed store requests, after retries, by connection and error kind."
    )
    for (connection_id, kind), n in sorted((store_errors or {}).items()):
        out.sample(name, n, connection_id=connection_id, kind=kind)
    return out.text()


class MetricsController(Controller):
    tags = ["operations"]
    dependencies = {**RECEIVER_COUNTERS, **OPERATIONS_METRICS, **ADAPTER_METRICS}

    @get(
        "/metrics",
        operation_id="metrics",
        summary="Prometheus metrics",
        security=[],
        media_type=MEDIA_TYPE,
    )
    async def metrics(
        self,
        counters: Injected[ReceiverCounters],
        operations: Injected[OperationsMetrics],
        clock: Injected[Clock],
        queue: Injected[DramatiqJobQueue],
        store_errors: Injected[StoreErrorCounts],
    ) -> Response[str]:
        now = clock.now()
        snapshot = await operations.snapshot(recent_since=now - LATENCY_WINDOW)
        lag = 0.0
        if snapshot.oldest_pending_received_at is not None:
            lag = max(0.0, (now - snapshot.oldest_pending_received_at).total_seconds())
        depths: dict[str, int] | None
        try:
            depths = await queue.depths()
        except JobQueueUnavailable as exc:
            log.warning("metrics: %s", exc)
            depths = None
        errors: dict[tuple[str, str], int] | None
        try:
            errors = await store_errors.read()
        except redis.RedisError as exc:
            log.warning("metrics: the store error counts could not be read: %s", exc)
            errors = None
        body = exposition(counters, snapshot, lag, depths, errors)
        return Response(body, media_type=MEDIA_TYPE)

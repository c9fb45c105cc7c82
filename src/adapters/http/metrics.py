"""`/metrics` in the Prometheus text format: this process's receiver counters, and the
database's view of sync, triggers and imports (shared by every process)."""

from __future__ import annotations

from litestar import Controller, Response, get

from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.http.deps import OPERATIONS_METRICS, RECEIVER_COUNTERS, Injected
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.metrics import OperationsMetrics, OperationsSnapshot

MEDIA_TYPE = "text/plain; version=0.0.4"


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value}"
    return f"{name} {value}"


def exposition(counters: ReceiverCounters, snapshot: OperationsSnapshot, lag_s: float) -> str:
    """The metrics as Prometheus reads them."""
    lines = [
        "# TYPE wooconnect_webhook_deliveries_received_total counter",
        _line("wooconnect_webhook_deliveries_received_total", counters.received),
        "# TYPE wooconnect_webhook_deliveries_accepted_total counter",
    ]
    lines += [
        _line("wooconnect_webhook_deliveries_accepted_total", n, kind=kind)
        for kind, n in sorted(counters.accepted.items())
    ]
    lines.append("# TYPE wooconnect_webhook_deliveries_rejected_total counter")
    lines += [
        _line("wooconnect_webhook_deliveries_rejected_total", n, reason=reason)
        for reason, n in sorted(counters.rejected.items())
    ]
    lines.append("# TYPE wooconnect_inbox_deliveries gauge")
    lines += [
        _line("wooconnect_inbox_deliveries", n, status=status)
        for status, n in snapshot.inbox_by_status.items()
    ]
    lines.append("# TYPE wooconnect_processing_lag_seconds gauge")
    lines.append(_line("wooconnect_processing_lag_seconds", lag_s))
    lines.append("# TYPE wooconnect_triggers_emitted_total counter")
    lines += [
        _line("wooconnect_triggers_emitted_total", n, type=t)
        for t, n in snapshot.triggers_by_type.items()
    ]
    lines.append("# TYPE wooconnect_trigger_deliveries gauge")
    lines += [
        _line("wooconnect_trigger_deliveries", n, status=status)
        for status, n in snapshot.trigger_deliveries_by_status.items()
    ]
    lines.append("# TYPE wooconnect_reconciliation_repairs_total counter")
    lines.append(_line("wooconnect_reconciliation_repairs_total", snapshot.reconciliation_repairs))
    lines.append("# TYPE wooconnect_import_records gauge")
    for job in snapshot.imports:
        labels = {"entity": job.entity, "status": job.status}
        lines.append(_line("wooconnect_import_records_done", job.done, **labels))
        lines.append(_line("wooconnect_import_records_total", job.total, **labels))
    return "\n".join(lines) + "\n"


class MetricsController(Controller):
    tags = ["operations"]
    dependencies = {**RECEIVER_COUNTERS, **OPERATIONS_METRICS}

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
    ) -> Response[str]:
        snapshot = await operations.snapshot()
        lag = 0.0
        if snapshot.oldest_pending_received_at is not None:
            lag = max(0.0, (clock.now() - snapshot.oldest_pending_received_at).total_seconds())
        return Response(exposition(counters, snapshot, lag), media_type=MEDIA_TYPE)

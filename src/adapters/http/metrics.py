"""`/metrics` in the Prometheus text format: this process's receiver counters, and the
database's view of sync, triggers and imports (shared by every process)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get
from sqlalchemy import func, select

from adapters.http.deps import container_of
from adapters.persistence.models import (
    ConnectionRow,
    ImportJobRow,
    InboxDeliveryRow,
    TriggerDeliveryRow,
    TriggerEventRow,
)


@dataclass
class ReceiverCounters:
    received: int = 0
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)

    def accept(self, kind: str) -> None:
        self.accepted[kind] += 1

    def reject(self, reason: str) -> None:
        self.rejected[reason] += 1


RECEIVER = ReceiverCounters()


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value}"
    return f"{name} {value}"


class MetricsController(Controller):
    tags = ["operations"]

    @get(
        "/metrics",
        operation_id="metrics",
        summary="Prometheus metrics",
        security=[],
        media_type="text/plain; version=0.0.4",
    )
    async def metrics(self, request: Request[Any, Any, Any]) -> Response[str]:
        container = container_of(request)
        lines = [
            "# TYPE wooconnect_webhook_deliveries_received_total counter",
            _line("wooconnect_webhook_deliveries_received_total", RECEIVER.received),
            "# TYPE wooconnect_webhook_deliveries_accepted_total counter",
        ]
        lines += [
            _line("wooconnect_webhook_deliveries_accepted_total", n, kind=kind)
            for kind, n in sorted(RECEIVER.accepted.items())
        ]
        lines.append("# TYPE wooconnect_webhook_deliveries_rejected_total counter")
        lines += [
            _line("wooconnect_webhook_deliveries_rejected_total", n, reason=reason)
            for reason, n in sorted(RECEIVER.rejected.items())
        ]
        async with container.uow() as uow:
            session = uow.session
            by_status = await session.execute(
                select(InboxDeliveryRow.status, func.count()).group_by(InboxDeliveryRow.status)
            )
            oldest_pending = await session.scalar(
                select(func.min(InboxDeliveryRow.received_at)).where(
                    InboxDeliveryRow.status == "pending"
                )
            )
            triggers = await session.execute(
                select(TriggerEventRow.type, func.count()).group_by(TriggerEventRow.type)
            )
            delivered = await session.execute(
                select(TriggerDeliveryRow.status, func.count()).group_by(TriggerDeliveryRow.status)
            )
            repairs = await session.scalar(select(func.sum(ConnectionRow.reconciliation_repairs)))
            jobs = await session.execute(
                select(
                    ImportJobRow.entity,
                    ImportJobRow.status,
                    func.sum(ImportJobRow.done),
                    func.sum(ImportJobRow.total),
                ).group_by(ImportJobRow.entity, ImportJobRow.status)
            )
        lines.append("# TYPE wooconnect_inbox_deliveries gauge")
        lines += [_line("wooconnect_inbox_deliveries", n, status=status) for status, n in by_status]
        lag = 0.0
        if oldest_pending is not None:
            lag = max(0.0, (container.clock.now() - oldest_pending).total_seconds())
        lines.append("# TYPE wooconnect_processing_lag_seconds gauge")
        lines.append(_line("wooconnect_processing_lag_seconds", lag))
        lines.append("# TYPE wooconnect_triggers_emitted_total counter")
        lines += [_line("wooconnect_triggers_emitted_total", n, type=t) for t, n in triggers]
        lines.append("# TYPE wooconnect_trigger_deliveries gauge")
        lines += [
            _line("wooconnect_trigger_deliveries", n, status=status) for status, n in delivered
        ]
        lines.append("# TYPE wooconnect_reconciliation_repairs_total counter")
        lines.append(_line("wooconnect_reconciliation_repairs_total", repairs or 0))
        lines.append("# TYPE wooconnect_import_records gauge")
        for entity, status, done, total in jobs:
            lines.append(
                _line("wooconnect_import_records_done", done or 0, entity=entity, status=status)
            )
            lines.append(
                _line("wooconnect_import_records_total", total or 0, entity=entity, status=status)
            )
        return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")

"""The use cases' background work, registered with the worker: imports, webhook deliveries,
reconciliation with the webhook health check, and the sweepers that resend what was lost."""

from __future__ import annotations

import logging

from adapters.bootstrap import Container
from adapters.worker.scheduler import Periodic
from adapters.worker.tasks import RetryLater, TaskOptions, TaskRegistry
from app.delivery_batcher import DeliveryBatcher
from app.errors import JobQueueUnavailable
from app.importing import WaitForOrders
from app.tasks import DELIVERY_PROCESS, IMPORT_RUN, RECONCILE_CONNECTION, TRIGGER_DELIVER

log = logging.getLogger(__name__)

IMPORT_OPTIONS = TaskOptions(
    max_retries=20, min_backoff_ms=500, max_backoff_ms=300_000, time_limit_ms=6 * 3600 * 1000
)
DELIVERY_OPTIONS = TaskOptions(
    max_retries=10, min_backoff_ms=200, max_backoff_ms=60_000, time_limit_ms=60_000
)
TRIGGER_OPTIONS = TaskOptions(
    max_retries=5, min_backoff_ms=1_000, max_backoff_ms=60_000, time_limit_ms=60_000
)
RECONCILE_OPTIONS = TaskOptions(
    max_retries=3, min_backoff_ms=5_000, max_backoff_ms=120_000, time_limit_ms=3600 * 1000
)


def register_imports(registry: TaskRegistry, container: Container) -> None:
    """`imports.run`: run or resume one import job from its checkpoint."""

    async def run(job_id: str) -> None:
        try:
            await container.services.importer.run(job_id)
        except WaitForOrders as exc:
            raise RetryLater(str(exc), delay_s=1.0) from None

    registry.register(IMPORT_RUN, run, IMPORT_OPTIONS)


def register_deliveries(registry: TaskRegistry, container: Container) -> None:
    """`webhooks.process`, plus the sweeper that sends stored deliveries no worker got."""

    live_sync = container.services.live_sync
    batcher = DeliveryBatcher(live_sync.process_many, live_sync.process)
    registry.register(DELIVERY_PROCESS, batcher.process, DELIVERY_OPTIONS)

    async def sweep() -> None:
        try:
            lost = await container.job_queue.lost_messages()
        except JobQueueUnavailable:
            lost = False  # nothing can be sent now; the marker is checked again next time
        if lost:
            log.info("the job queue lost its messages; sending every pending delivery again")
        sent = await container.services.receiving.sweep(resend_sent=lost)
        if sent:
            log.info("sent %d stored deliveries to the workers", sent)

    registry.add_periodic(Periodic("inbox-sweeper", interval_s=2.0, jitter_s=0.5, fn=sweep))
    registry.on_start("inbox-sweeper", sweep)


def register_reconciliation(registry: TaskRegistry, container: Container) -> None:
    """`sync.reconcile` per active connection on its schedule, with the webhook health check."""
    services = container.services
    interval = container.settings.reconcile_interval_s

    async def reconcile(connection_id: str) -> None:
        await services.live_sync.reconcile(connection_id)
        await services.webhook_health.heal(connection_id)

    registry.register(RECONCILE_CONNECTION, reconcile, RECONCILE_OPTIONS)

    async def schedule() -> None:
        for connection_id in await services.reconciliation_schedule.due(interval):
            await services.reconciliation_schedule.mark_scheduled(connection_id)
            await container.job_queue.enqueue(RECONCILE_CONNECTION, connection_id)

    tick = max(1.0, min(60.0, interval / 10))
    registry.add_periodic(
        Periodic("reconciliation", interval_s=tick, jitter_s=tick / 4, fn=schedule)
    )


def register_trigger_deliveries(registry: TaskRegistry, container: Container) -> None:
    """`triggers.deliver` to workflow subscribers (it schedules its own retries for 24 h), and
    a sweeper for deliveries whose retry message was lost."""
    subscriptions = container.services.subscriptions
    registry.register(TRIGGER_DELIVER, subscriptions.deliver, TRIGGER_OPTIONS)

    async def retry_due() -> None:
        await subscriptions.retry_due()

    registry.add_periodic(Periodic("trigger-retries", interval_s=60.0, jitter_s=10.0, fn=retry_due))

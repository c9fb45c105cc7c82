"""The Dramatiq actors, and the middleware that is the worker's lifespan.

Each actor calls one use case with the id its message carries (`webhooks.process_many`: with
each of the ids, the receiver's deliveries handed on together); its retries are Dramatiq's
(`max_retries`, `min_backoff`, `max_backoff`, `time_limit`, `throws`). A task may run more
than once (a retry, a resend on start, a dead worker's message handed to another), so every
use case behind an actor is idempotent. How a failure is treated:

- `UpstreamUnavailable` (the store is down or throttling) is retried: after the store's
  Retry-After when it gave one (`dramatiq.Retry(delay=…)`), else with the actor's backoff;
  so is `JobQueueUnavailable` (a follow-up message could not be sent);
- any other `AppError` (keys revoked, a record the store will never give) is permanent: the
  actor `throws` it and the message is dead-lettered, not retried;
- anything else, and a run over its time limit, is retried with backoff until `max_retries`.

An import job whose task gives up (permanent error, or retries exhausted: Dramatiq's
`on_retry_exhausted` sends `imports.gave_up`) is failed with the reason, for the API and the
console to show.

The actors reach the process's container through `WorkerLifespan`, the middleware that opens
it when the worker boots and closes it at shutdown, and that runs the periodic jobs and the
start hook (resume unfinished imports, sweep the inbox).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread, set_event_loop_thread
from dramatiq.middleware import Middleware, MiddlewareError
from redis.asyncio import Redis

from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.delivery_batcher import DeliveryBatcher
from wooconnect.adapters.worker.heartbeat import Heartbeat, heartbeat_path
from wooconnect.adapters.worker.job_queue import (
    DEFAULT_NAMESPACE,
    SEND_CONNECT_TIMEOUT_S,
    SEND_SOCKET_TIMEOUT_S,
    DramatiqJobQueue,
    many,
)
from wooconnect.adapters.worker.scheduler import (
    LocalClaims,
    Periodic,
    PeriodicRunner,
    RedisClaims,
    SlotClaims,
)
from wooconnect.app.errors import AppError, JobQueueUnavailable, UpstreamUnavailable
from wooconnect.app.log_context import log_context
from wooconnect.app.recovery import Recovery
from wooconnect.app.tasks import DELIVERY_PROCESS, IMPORT_RUN, RECONCILE_CONNECTION, TRIGGER_DELIVER

if TYPE_CHECKING:
    from wooconnect.adapters.bootstrap import Container
    from wooconnect.adapters.services import Services

log = logging.getLogger(__name__)

IMPORT_GAVE_UP = "imports.gave_up"
"""Sent by Dramatiq when `imports.run` runs out of retries; fails the import job."""

# Dramatiq refuses delays of 7 days or more; a store asking for longer is asked again sooner.
MAX_DELAY_MS = 6 * 86_400_000

# How long one start "owns" the start hook: worker processes booting within this window
# (N replicas rolled out together) run them once between them.
STARTUP_CLAIM_TTL_S = 60.0

HOUR_MS = 3_600_000


def queue_of(task: str) -> str:
    """The queue a task travels on: the part of its dotted name before the first dot, so one
    slow kind of work (an import) never holds up another (webhook deliveries)."""
    return task.partition(".")[0]


LIVE_QUEUES = (queue_of(DELIVERY_PROCESS), queue_of(TRIGGER_DELIVER))
"""Work someone waits for as it happens: webhook deliveries (a trigger's seconds start at
their receipt) and trigger deliveries to workflow subscribers. `wooconnect worker --queues`
gives them processes of their own, whose threads and event loop no import ever holds."""

BULK_QUEUES = (queue_of(IMPORT_RUN), queue_of(RECONCILE_CONNECTION))
"""Work that pages through whole stores: historical imports and reconciliations."""

# Dramatiq's priority: a worker thread that frees up takes the lowest number first, so in a
# process that consumes every queue, live work waiting beside imports goes before them.
LIVE_PRIORITY = 0
BULK_PRIORITY = 100


def priority_of(task: str) -> int:
    return LIVE_PRIORITY if queue_of(task) in LIVE_QUEUES else BULK_PRIORITY


class WorkerBootFailed(MiddlewareError):
    """The worker could not open its container; the process exits."""


class WorkerLifespan(Middleware):
    """The worker's lifespan: opens the container the actors use when the worker boots, runs
    the start hook and the periodic jobs, and closes everything at shutdown.

    A `wooconnect worker` process builds its own container from `settings`, on the event loop
    of Dramatiq's AsyncIO middleware (which must come before this one), and shares periodic
    slots with the other workers through Redis. `serve` without Redis hands over its own
    container and event loop with `attach` instead: the actors run on serve's loop, where that
    container's database pool and HTTP client live.
    """

    def __init__(self, settings: Settings | None = None, *, namespace: str = DEFAULT_NAMESPACE):
        self._settings = settings
        self._namespace = namespace
        self._attached: tuple[Container, asyncio.AbstractEventLoop] | None = None
        self._container: Container | None = None
        self._deliveries: DeliveryBatcher | None = None
        self._runner: PeriodicRunner | None = None
        self._close: list[Callable[[], Awaitable[None]]] = []

    def attach(self, container: Container, loop: asyncio.AbstractEventLoop) -> None:
        """Run the actors with `container` on `loop` (running already, in another thread)."""
        self._attached = (container, loop)

    @property
    def services(self) -> Services:
        if self._container is None:
            raise RuntimeError("the worker has not booted")
        return self._container.services

    @property
    def deliveries(self) -> DeliveryBatcher:
        if self._deliveries is None:
            raise RuntimeError("the worker has not booted")
        return self._deliveries

    @property
    def job_queue(self) -> DramatiqJobQueue:
        if self._container is None:
            raise RuntimeError("the worker has not booted")
        return self._container.job_queue

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._attached is not None:
            if get_event_loop_thread() is not None:
                raise WorkerBootFailed("another Dramatiq worker runs async actors in this process")
            set_event_loop_thread(_RunningLoop(self._attached[1]))
        try:
            self._loop().run_coroutine(self._boot(broker))
        except Exception as exc:
            if self._attached is not None:
                set_event_loop_thread(None)
            raise WorkerBootFailed(f"the worker could not start: {exc}") from exc

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        try:
            self._loop().run_coroutine(self._shutdown())
        finally:
            if self._attached is not None:
                set_event_loop_thread(None)

    async def _boot(self, broker: dramatiq.Broker) -> None:
        if self._attached is not None:
            container = self._attached[0]
            claims: SlotClaims = LocalClaims()
        else:
            container, claims = await self._open(broker)
            heartbeat = Heartbeat(
                heartbeat_path(container.settings.var_dir), container.job_queue.ping
            )
            heartbeat.start()
            self._close.append(heartbeat.stop)
        self._container = container
        services = container.services
        self._deliveries = DeliveryBatcher(
            services.live_sync.process_many, services.live_sync.process
        )
        recovery = Recovery(services.receiving, services.importer, container.job_queue)
        self._runner = PeriodicRunner(self._periodics(container, recovery), claims)
        self._runner.start()

        async def recover_at_start() -> None:
            await recovery.sweep(starting=True)

        await run_start_hook("recovery", recover_at_start, claims)
        log.info("worker ready")

    async def _open(self, broker: dramatiq.Broker) -> tuple[Container, SlotClaims]:
        """A worker process's own container, sending on this broker, and its periodic claims."""
        from wooconnect.adapters.bootstrap import bootstrap

        settings = self._settings or Settings.from_env()
        if settings.redis_url is None:
            raise WorkerBootFailed("the Dramatiq worker needs WOOCONNECT_REDIS_URL")
        container = await bootstrap(
            settings, sqlite_on_loop=True, job_queue=DramatiqJobQueue(broker)
        )
        self._close.append(container.close)
        client = Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=SEND_CONNECT_TIMEOUT_S,
            socket_timeout=SEND_SOCKET_TIMEOUT_S,
        )
        # The pool holds the connections; disconnecting it is the close that works across
        # redis-py versions (`Redis.close` is deprecated, `aclose` is recent).
        self._close.append(client.connection_pool.disconnect)
        return container, RedisClaims(client, prefix=f"{self._namespace}:periodic")

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.stop()
        while self._close:
            await self._close.pop()()
        self._container = None

    def _loop(self) -> EventLoopThread:
        thread = get_event_loop_thread()
        if thread is None:
            raise WorkerBootFailed("the AsyncIO middleware must come before WorkerLifespan")
        return thread

    @staticmethod
    def _periodics(container: Container, recovery: Recovery) -> list[Periodic]:
        services = container.services
        interval = container.settings.reconcile_interval_s

        async def schedule_reconciliations() -> None:
            for connection_id in await services.reconciliation_schedule.due(interval):
                await services.reconciliation_schedule.mark_scheduled(connection_id)
                await container.job_queue.enqueue(RECONCILE_CONNECTION, connection_id)

        async def recover() -> None:
            await recovery.sweep()

        async def retry_trigger_deliveries() -> None:
            await services.subscriptions.retry_due()

        tick = max(1.0, min(60.0, interval / 10))
        return [
            Periodic("recovery", interval_s=2.0, jitter_s=0.5, fn=recover),
            Periodic("reconciliation", tick, jitter_s=tick / 4, fn=schedule_reconciliations),
            Periodic("trigger-retries", 60.0, jitter_s=10.0, fn=retry_trigger_deliveries),
        ]


async def run_start_hook(
    name: str, hook: Callable[[], Awaitable[object]], claims: SlotClaims
) -> bool:
    """Run `hook` once per start among the workers sharing `claims`; whether it ran here. A
    failing hook is logged, and the worker starts all the same."""
    if not await claims.claim(f"start:{name}", 0, ttl_s=STARTUP_CLAIM_TTL_S):
        log.info("start hook %s ran in another worker moments ago", name)
        return False
    try:
        await hook()
    except Exception:
        log.exception("start hook %s failed", name)
    return True


class _RunningLoop(EventLoopThread):
    """Dramatiq's handle on the event loop async actors run on, for a loop that runs already
    (serve's) rather than one in a thread of Dramatiq's own: `run_coroutine` is all a worker
    thread uses of it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:  # no thread of its own
        self.loop = loop
        self.logger = log
        self.interrupt_check_ival = 0.1


@contextmanager
def _task(task: str, entity_id: str) -> Iterator[None]:
    """Every line logged while a task runs carries its name and entity id; a store that is
    unavailable is asked again after its Retry-After, when it gave one."""
    with log_context(task=task, entity_id=entity_id):
        try:
            yield
        except UpstreamUnavailable as exc:
            delay = None if exc.retry_after is None else round(exc.retry_after * 1000)
            log.info("%s(%s) will be retried: %s", task, entity_id, exc.message)
            raise dramatiq.Retry(exc.message, delay=_bounded(delay)) from exc
        except JobQueueUnavailable as exc:
            log.warning("%s(%s) will be retried: %s", task, entity_id, exc.message)
            raise dramatiq.Retry(exc.message) from exc
        except AppError as exc:
            log.error("%s(%s) failed permanently: %s", task, entity_id, exc.message)
            raise


def _bounded(delay_ms: int | None) -> int | None:
    return None if delay_ms is None else max(1, min(delay_ms, MAX_DELAY_MS))


def _reason(message: dict[str, Any], retries: dict[str, Any]) -> str:
    """Why a task gave up, from what Dramatiq sends `on_retry_exhausted`: the attempts, and the
    last line of the last error's traceback."""
    traceback = str(message.get("options", {}).get("traceback") or "").strip()
    last = traceback.splitlines()[-1] if traceback else "unknown error"
    return f"gave up after {int(retries.get('retries', 0)) + 1} attempts: {last}"


def declare_actors(broker: dramatiq.Broker, lifespan: WorkerLifespan) -> None:
    """Declare the actors on `broker` (which needs the Retries and TimeLimit middleware)."""

    def declare(task: str, run: Callable[[str], Awaitable[None]], **options: Any) -> None:
        """An actor for `task` that runs `run` with its message's id in the task's log
        context; `options` are Dramatiq's."""

        async def perform(entity_id: str) -> None:
            with _task(task, entity_id):
                await run(entity_id)

        _declare(broker, task, perform, **options)

    async def run_import(job_id: str) -> None:
        importer = lifespan.services.importer
        try:
            await importer.run(job_id)
        except (UpstreamUnavailable, JobQueueUnavailable):
            raise
        except AppError as exc:
            await importer.give_up(job_id, exc.message)
            raise

    async def process_delivery(delivery_id: str) -> None:
        await lifespan.deliveries.process(delivery_id)

    async def process_deliveries(delivery_ids: list[str]) -> None:
        """The deliveries of one message, together (they share the batcher's transactions);
        each one that fails is sent again as a message of its own, with its own retries, so
        that it neither holds the others back nor runs them again."""
        with _task(many(DELIVERY_PROCESS), f"{len(delivery_ids)} deliveries"):
            outcomes = await asyncio.gather(
                *(lifespan.deliveries.process(delivery_id) for delivery_id in delivery_ids),
                return_exceptions=True,
            )
            for delivery_id, outcome in zip(delivery_ids, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    log.info("delivery %s failed, to be retried alone: %r", delivery_id, outcome)
                    await lifespan.job_queue.enqueue(DELIVERY_PROCESS, delivery_id)

    async def reconcile(connection_id: str) -> None:
        services = lifespan.services
        await services.live_sync.reconcile(connection_id)
        await services.webhook_health.heal(connection_id)

    async def deliver_trigger(delivery_id: str) -> None:
        await lifespan.services.subscriptions.deliver(delivery_id)

    permanent = (AppError,)
    declare(
        IMPORT_RUN,
        run_import,
        max_retries=20,
        min_backoff=500,
        max_backoff=300_000,
        time_limit=6 * HOUR_MS,
        throws=permanent,
        on_retry_exhausted=IMPORT_GAVE_UP,
    )
    delivery_retries: dict[str, Any] = {
        "max_retries": 10,
        "min_backoff": 200,
        "max_backoff": 60_000,
        "throws": permanent,
    }
    declare(DELIVERY_PROCESS, process_delivery, time_limit=60_000, **delivery_retries)
    # The deliveries that fail in it are retried one by one; its own retries are for a failed
    # send of those (Redis down) and for crashes.
    _declare(
        broker,
        many(DELIVERY_PROCESS),
        process_deliveries,
        time_limit=300_000,
        **delivery_retries,
    )
    declare(
        RECONCILE_CONNECTION,
        reconcile,
        max_retries=3,
        min_backoff=5_000,
        max_backoff=120_000,
        time_limit=HOUR_MS,
        throws=permanent,
    )
    # The delivery schedules its own retries over 24 h; these are for crashes.
    declare(
        TRIGGER_DELIVER,
        deliver_trigger,
        max_retries=5,
        min_backoff=1_000,
        max_backoff=60_000,
        time_limit=60_000,
        throws=permanent,
    )

    async def import_gave_up(message: dict[str, Any], retries: dict[str, Any]) -> None:
        (job_id,) = message["args"]
        with log_context(task=IMPORT_GAVE_UP, entity_id=job_id):
            await lifespan.services.importer.give_up(job_id, _reason(message, retries))

    _declare(
        broker,
        IMPORT_GAVE_UP,
        import_gave_up,
        max_retries=5,
        min_backoff=1_000,
        max_backoff=60_000,
        time_limit=60_000,
    )


def _declare(
    broker: dramatiq.Broker, name: str, fn: Callable[..., Awaitable[None]], **options: Any
) -> None:
    """Declare `fn` as the actor `name`, on its queue with its priority; `options` are
    Dramatiq's."""
    dramatiq.actor(
        broker=broker,
        actor_name=name,
        queue_name=queue_of(name),
        priority=priority_of(name),
        **options,
    )(fn)

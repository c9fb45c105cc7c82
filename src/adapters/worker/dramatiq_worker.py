"""The Dramatiq worker process: actors declared from task names, and the middleware that owns
the process's container, handlers and periodic jobs.

Actors must exist when the worker module is imported, but handlers need the container, which
is built only when the worker boots (`before_worker_boot`, on Dramatiq's event loop thread, so
its database pool belongs to the loop the async handlers run on). So each actor is a thin
shim that looks its handler up in the booted process's registry.

Retries follow `adapters.worker.tasks`: the shim decides with the task's options and raises
`dramatiq.Retry` with the delay it chose, or `TaskFailed`, which the actor `throws` (the
message is dead-lettered, not retried). Dramatiq's own retry counting only feeds the attempt
number back in; its TimeLimit middleware is left out because the time limit is applied
around the coroutine, where it can cancel cleanly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import dramatiq
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO, CurrentMessage, Middleware, MiddlewareError, Retries
from redis.asyncio import Redis

from adapters.bootstrap import Container, bootstrap
from adapters.settings import Settings
from adapters.worker.dramatiq_broker import (
    DEFAULT_NAMESPACE,
    SEND_CONNECT_TIMEOUT_S,
    SEND_SOCKET_TIMEOUT_S,
    make_broker,
)
from adapters.worker.runtime import run_startup_hooks
from adapters.worker.scheduler import PeriodicRunner, RedisClaims
from adapters.worker.tasks import TaskRegistry, Verdict, execute, names, queue_name_for
from app.tasks import ALL_TASKS

log = logging.getLogger(__name__)

RegistryBuilder = Callable[[Container], TaskRegistry]

# Per million broker commands, how many also hand a dead worker's unacknowledged messages back
# to their queue. Dramatiq's 1,000 means, with an idle queue polled about once a second, a
# killed worker's message waits some 15 minutes on average after its heartbeat expires; 1 in
# 100 brings that near two minutes, and costs nothing while no worker is dead.
WORKER_MAINTENANCE_CHANCE = 10_000


class TaskFailed(Exception):
    """A task failed for good (permanent error, or retries exhausted); already logged."""


class WorkerBootFailed(MiddlewareError):
    """The worker process could not build its container or registry; the process exits."""


class WorkerRuntime(Middleware):
    """Per worker process: builds the container and registry at boot, runs the periodic jobs,
    and closes everything at shutdown (the worker's version of a lifespan)."""

    def __init__(
        self,
        settings: Settings,
        build_registry: RegistryBuilder,
        *,
        declared: Iterable[str],
        namespace: str,
    ) -> None:
        self._settings = settings
        self._build_registry = build_registry
        self._declared = frozenset(declared)
        self._namespace = namespace
        self._container: Container | None = None
        self._registry: TaskRegistry | None = None
        self._close_redis: Callable[[], Awaitable[None]] | None = None
        self._runner: PeriodicRunner | None = None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        try:
            self._loop_thread().run_coroutine(self._boot())
        except Exception as exc:
            raise WorkerBootFailed(f"the worker could not start: {exc}") from exc

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._loop_thread().run_coroutine(self._shutdown())

    async def _boot(self) -> None:
        container = await bootstrap(self._settings, sqlite_on_loop=True)
        self._container = container
        registry = self._build_registry(container)
        undeclared = registry.tasks - self._declared
        if undeclared:
            raise RuntimeError(
                f"tasks without an actor: {names(undeclared)}; add them to app.tasks.ALL_TASKS"
            )
        self._registry = registry
        assert self._settings.redis_url is not None
        client = Redis.from_url(
            self._settings.redis_url,
            socket_connect_timeout=SEND_CONNECT_TIMEOUT_S,
            socket_timeout=SEND_SOCKET_TIMEOUT_S,
        )
        # The pool holds the connections; disconnecting it is the close that works across
        # redis-py versions (`Redis.close` is deprecated, `aclose` is recent).
        self._close_redis = client.connection_pool.disconnect
        claims = RedisClaims(client, prefix=f"{self._namespace}:periodic")
        self._runner = PeriodicRunner(registry.periodics, claims)
        self._runner.start()
        await run_startup_hooks(registry, claims)
        log.info("worker ready: tasks %s", names(registry.tasks))

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.stop()
        if self._close_redis is not None:
            await self._close_redis()
        if self._container is not None:
            await self._container.close()

    @staticmethod
    def _loop_thread() -> EventLoopThread:
        thread = get_event_loop_thread()
        if thread is None:
            raise WorkerBootFailed("the AsyncIO middleware must come before WorkerRuntime")
        return thread

    def run(self, task: str, entity_id: str) -> None:
        """The body of every actor: run the handler on the event loop, map the outcome."""
        registry = self._registry
        if registry is None:
            raise TaskFailed("the worker has not booted")
        message = CurrentMessage.get_current_message()
        attempt = int(message.options.get("retries", 0)) if message is not None else 0
        outcome = self._loop_thread().run_coroutine(execute(registry, task, entity_id, attempt))
        if outcome.verdict is Verdict.RETRY:
            raise dramatiq.Retry(outcome.reason, delay=max(1, round(outcome.delay_s * 1000)))
        if outcome.verdict is Verdict.FAILED:
            raise TaskFailed(outcome.reason)


def _only_requested_retries(retries: int, exc: BaseException) -> bool:
    # The shim has already applied the task's retry policy; anything else that escapes
    # (an unknown actor, a broken message) is not worth retrying.
    return isinstance(exc, dramatiq.Retry)


def declare_actors(broker: RedisBroker, runtime: WorkerRuntime, tasks: Iterable[str]) -> None:
    """One actor per task: named after the task, on the task's queue."""
    for task in tasks:

        def body(entity_id: str, _task: str = task) -> None:
            runtime.run(_task, entity_id)

        body.__name__ = body.__qualname__ = task.replace(".", "_")
        options: dict[str, Any] = {
            "retry_when": _only_requested_retries,
            "throws": (TaskFailed,),
        }
        dramatiq.Actor(
            body,
            broker=broker,
            actor_name=task,
            queue_name=queue_name_for(task),
            priority=0,
            options=options,
        )


def build_worker_broker(
    settings: Settings,
    build_registry: RegistryBuilder,
    *,
    tasks: Iterable[str] = ALL_TASKS,
    namespace: str = DEFAULT_NAMESPACE,
    heartbeat_timeout_ms: int | None = None,
    maintenance_chance: int = WORKER_MAINTENANCE_CHANCE,
) -> RedisBroker:
    """The broker a worker process runs: Redis from `settings`, the middleware, the actors.

    Nothing connects here; the container is built when the worker boots.
    """
    if settings.redis_url is None:
        raise ValueError("the Dramatiq worker needs WOOCONNECT_REDIS_URL")
    tasks = tuple(tasks)
    runtime = WorkerRuntime(settings, build_registry, declared=tasks, namespace=namespace)
    broker = make_broker(
        settings.redis_url,
        namespace=namespace,
        # AsyncIO before WorkerRuntime: boot hooks run in order, shutdown hooks in reverse,
        # so the event loop exists while the container is built and closed.
        middleware=[Retries(), CurrentMessage(), AsyncIO(), runtime],
        heartbeat_timeout_ms=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )
    declare_actors(broker, runtime, tasks)
    return broker

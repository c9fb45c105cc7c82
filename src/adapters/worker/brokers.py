"""The brokers: every one carries the same actors, so a process sends and runs tasks alike
whichever it has.

- `sender_broker`: the API with Redis; it only sends (its actors never run there).
- `worker_broker`: a `wooconnect worker` process on Redis; the actors run on the event loop of
  Dramatiq's AsyncIO middleware, with a container of the process's own.
- `embedded_broker`: `serve` without Redis; Dramatiq's in-memory `StubBroker`, worked by a
  `dramatiq.Worker` inside serve (`adapters.worker.embedded`).
"""

from __future__ import annotations

from collections.abc import Sequence

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Middleware, Retries, ShutdownNotifications, TimeLimit

from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.actors import WorkerLifespan, declare_actors
from wooconnect.adapters.worker.job_queue import (
    DEFAULT_NAMESPACE,
    SEND_CONNECT_TIMEOUT_S,
    SEND_SOCKET_TIMEOUT_S,
)

# Per million broker commands, how many also hand a dead worker's unacknowledged messages back
# to their queue. Dramatiq's 1,000 means, with an idle queue polled about once a second, a
# killed worker's message waits some 15 minutes on average after its heartbeat expires; 1 in
# 100 brings that near two minutes, and costs nothing while no worker is dead.
WORKER_MAINTENANCE_CHANCE = 10_000


def make_redis_broker(
    redis_url: str,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    middleware: Sequence[Middleware] = (),
    heartbeat_timeout_ms: int | None = None,
    maintenance_chance: int | None = None,
) -> RedisBroker:
    """A Redis broker for `redis_url`, without actors. It connects on first use, not here.

    `heartbeat_timeout_ms` is how long a silent worker is presumed alive: its unacknowledged
    messages go back to the queue only after that (Dramatiq's default: 60 s).
    `maintenance_chance` (per million broker commands) is how often a command also performs
    that hand-back; tests raise both to see it happen in seconds.
    """
    client = redis.Redis.from_url(
        redis_url,
        socket_connect_timeout=SEND_CONNECT_TIMEOUT_S,
        socket_timeout=SEND_SOCKET_TIMEOUT_S,
        health_check_interval=30,
    )
    options: dict[str, int] = {}
    if heartbeat_timeout_ms is not None:
        options["heartbeat_timeout"] = heartbeat_timeout_ms
    if maintenance_chance is not None:
        options["maintenance_chance"] = maintenance_chance
    # Dramatiq leaves this constructor unannotated.
    return RedisBroker(  # type: ignore[no-untyped-call]
        client=client, namespace=namespace, middleware=list(middleware), **options
    )


def _with_actors(broker: dramatiq.Broker, lifespan: WorkerLifespan) -> None:
    broker.add_middleware(lifespan)
    declare_actors(broker, lifespan)


def sender_broker(redis_url: str, *, namespace: str = DEFAULT_NAMESPACE) -> RedisBroker:
    """The API's broker on Redis: sends to the actors, never runs them."""
    broker = make_redis_broker(redis_url, namespace=namespace, middleware=[Retries(), TimeLimit()])
    _with_actors(broker, WorkerLifespan(namespace=namespace))
    return broker


def worker_broker(
    settings: Settings,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    heartbeat_timeout_ms: int | None = None,
    maintenance_chance: int = WORKER_MAINTENANCE_CHANCE,
) -> RedisBroker:
    """The broker a `wooconnect worker` process runs. Nothing connects here; the container is
    built when the worker boots. Tests shorten the heartbeat and raise the maintenance chance
    so that a killed worker's messages come back in seconds."""
    if settings.redis_url is None:
        raise ValueError("the Dramatiq worker needs WOOCONNECT_REDIS_URL")
    broker = make_redis_broker(
        settings.redis_url,
        namespace=namespace,
        # AsyncIO before the lifespan: boot hooks run in order, shutdown hooks in reverse, so
        # the event loop exists while the container is built and closed.
        middleware=[Retries(), TimeLimit(), AsyncIO()],
        heartbeat_timeout_ms=heartbeat_timeout_ms,
        maintenance_chance=maintenance_chance,
    )
    _with_actors(broker, WorkerLifespan(settings, namespace=namespace))
    return broker


def embedded_broker() -> StubBroker:
    """`serve`'s broker without Redis: in memory, worked inside serve. Jobs are database rows
    first, so what it holds when serve stops is found and sent again on the next start.

    A stopping serve interrupts the tasks still running (their jobs resume from their
    checkpoints on the next start) rather than waiting for an import to finish."""
    broker = StubBroker(
        middleware=[Retries(), TimeLimit(), ShutdownNotifications(notify_shutdown=True)]
    )
    _with_actors(broker, WorkerLifespan())
    return broker

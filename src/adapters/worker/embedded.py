"""The embedded default's worker: `serve` without Redis runs the actors itself, on Dramatiq's
in-memory broker, with a `dramatiq.Worker` inside the process.

The worker's threads hand each actor's coroutine to serve's own event loop, where the
container (its database pool and HTTP client) lives; nothing else is started.
"""

from __future__ import annotations

import asyncio

import dramatiq
from dramatiq.brokers.stub import StubBroker

from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.worker.actors import WorkerLifespan

# Tasks run at once. They wait mostly on the store or the database; webhook deliveries taken
# up at the same time share a transaction.
EMBEDDED_THREADS = 8

# Milliseconds an idle worker thread waits for a message before it looks again (also how
# long a stop may wait for an idle thread).
IDLE_POLL_MS = 100


class EmbeddedWorker:
    """A running `dramatiq.Worker` on the container's in-memory broker."""

    def __init__(self, worker: dramatiq.Worker, broker: StubBroker) -> None:
        self._worker = worker
        self._broker = broker

    @classmethod
    async def start(
        cls, container: Container, *, threads: int = EMBEDDED_THREADS
    ) -> EmbeddedWorker:
        """Start the worker on the running loop's container (whose job queue is the embedded
        broker's): boot (start hooks included) runs before this returns."""
        broker = container.job_queue.broker
        if not isinstance(broker, StubBroker):
            raise TypeError("the embedded worker runs only when WOOCONNECT_REDIS_URL is unset")
        lifespan = next(m for m in broker.middleware if isinstance(m, WorkerLifespan))
        lifespan.attach(container, asyncio.get_running_loop())
        worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=IDLE_POLL_MS)
        # Off the loop: booting runs coroutines on this very loop and waits for them.
        await asyncio.to_thread(worker.start)
        return cls(worker, broker)

    async def stop(self, *, timeout_s: float = 10.0) -> None:
        """Stop taking tasks and interrupt those running (their jobs resume on the next
        start); waits up to `timeout_s` for the worker's threads."""
        await asyncio.to_thread(self._worker.stop, round(timeout_s * 1000))

    async def join(self, *, timeout_s: float = 60.0) -> None:
        """Wait until every queue is empty and no task runs (delayed ones included once due).
        For tests and benchmarks; a production caller never needs to wait."""
        broker = self._broker
        names = sorted(broker.get_declared_queues() - broker.get_declared_delay_queues())
        # A task on one queue may send one to another: join them all until none has work.
        while True:
            for name in names:
                await asyncio.to_thread(
                    broker.join, name, timeout=round(timeout_s * 1000), fail_fast=False
                )
            if not any(queue.unfinished_tasks for queue in broker.queues.values()):
                return

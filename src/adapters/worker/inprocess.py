"""The embedded default's job queue: an asyncio queue worked by a few tasks inside `serve`.

Nothing here is durable, on purpose: every job is a database row before it is enqueued, so
whatever a stop or a crash abandons is enqueued again on the next start (see the start hooks
in `adapters.worker.registry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from adapters.worker.tasks import TaskRegistry, Verdict, execute, queue_name_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Job:
    task: str
    entity_id: str
    attempt: int = 0


class InProcessJobQueue:
    """A `JobQueue` whose consumers run the registered handlers in this process.

    Jobs may be enqueued before `start()`; they wait until the consumers run.
    """

    def __init__(self, *, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._concurrency = concurrency
        self._queue: asyncio.Queue[_Job] = asyncio.Queue()
        self._registry: TaskRegistry | None = None
        self._consumers: list[asyncio.Task[None]] = []
        self._busy: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._stopping = False
        self._asked_about_losses = False

    @property
    def running(self) -> bool:
        return bool(self._consumers)

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        """Queue `task` for `entity_id`, after `delay_s` seconds when positive."""
        queue_name_for(task)
        self._submit(_Job(task, entity_id), delay_s)

    async def enqueue_many(self, task: str, entity_ids: Sequence[str]) -> None:
        """Queue `task` for every id."""
        queue_name_for(task)
        for entity_id in entity_ids:
            self._submit(_Job(task, entity_id), 0.0)

    async def lost_messages(self) -> bool:
        """True the first time it is asked: the queue lives in memory, so whatever an earlier
        run of this process had sent is gone."""
        first, self._asked_about_losses = not self._asked_about_losses, True
        return first

    def start(self, registry: TaskRegistry) -> None:
        """Start the consumers on the running event loop, running `registry`'s handlers."""
        if self._consumers:
            raise RuntimeError("the in-process worker is running already")
        self._registry = registry
        self._stopping = False
        self._consumers = [
            asyncio.create_task(self._consume(), name=f"inprocess-worker-{n}")
            for n in range(self._concurrency)
        ]

    async def stop(self, *, timeout_s: float = 10.0) -> None:
        """Stop taking jobs; let running handlers finish for up to `timeout_s`, then cancel them.

        Queued and delayed jobs are abandoned; the database still says they are to be done.
        """
        self._stopping = True
        for timer in self._timers:
            timer.cancel()
        abandoned = len(self._timers) + self._queue.qsize()
        self._timers.clear()
        self._queue = asyncio.Queue()
        consumers, self._consumers = self._consumers, []
        for consumer in consumers:
            if consumer not in self._busy:
                consumer.cancel()
        if consumers:
            _, pending = await asyncio.wait(consumers, timeout=timeout_s)
            for consumer in pending:
                consumer.cancel()
            for consumer in consumers:
                with contextlib.suppress(asyncio.CancelledError):
                    await consumer
        if abandoned:
            log.info("in-process worker stopped; %d queued jobs left for the next start", abandoned)

    async def close(self) -> None:
        """Release the queue with the rest of the container: the same as `stop()`."""
        await self.stop()

    def _submit(self, job: _Job, delay_s: float) -> None:
        if delay_s <= 0:
            self._queue.put_nowait(job)
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(timer)
            self._queue.put_nowait(job)

        timer = loop.call_later(delay_s, fire)
        self._timers.add(timer)

    async def _consume(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self._stopping:
            queue = self._queue
            job = await queue.get()
            self._busy.add(me)
            try:
                await self._run(job)
            finally:
                self._busy.discard(me)
                queue.task_done()

    async def _run(self, job: _Job) -> None:
        assert self._registry is not None
        outcome = await execute(self._registry, job.task, job.entity_id, job.attempt)
        if outcome.verdict is Verdict.RETRY and not self._stopping:
            self._submit(replace(job, attempt=job.attempt + 1), outcome.delay_s)

    async def join(self) -> None:
        """Wait until every queued job has been run (delayed ones included once they are due).

        Meant for tests and the demo; a production caller never needs to wait.
        """
        while True:
            await self._queue.join()
            if not self._timers and self._queue.empty():
                return
            await asyncio.sleep(0.01)

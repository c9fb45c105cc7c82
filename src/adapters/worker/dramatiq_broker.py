"""Dramatiq on Redis: the broker, and the `JobQueue` that sends to it.

Messages are built here rather than through declared actors, so a process that only sends
(the API) needs no actor declarations and no handlers, only the task's name.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import redis
from dramatiq import Message, Middleware
from dramatiq.brokers.redis import RedisBroker

from adapters.worker.tasks import queue_name_for
from app.errors import JobQueueUnavailable

DEFAULT_NAMESPACE = "wooconnect"

# A sender gives up quickly on an unreachable Redis: the caller has the job in the database
# and would rather answer its request than wait (a sweeper sends the job later).
SEND_CONNECT_TIMEOUT_S = 2.0
SEND_SOCKET_TIMEOUT_S = 5.0


def make_broker(
    redis_url: str,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    middleware: Sequence[Middleware] = (),
    heartbeat_timeout_ms: int | None = None,
    maintenance_chance: int | None = None,
) -> RedisBroker:
    """A Redis broker for `redis_url`. It connects on first use, not here.

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


class DramatiqJobQueue:
    """A `JobQueue` that sends each task as a Dramatiq message carrying only the entity id.

    The send runs in a thread: redis-py is synchronous here, and an unreachable Redis would
    otherwise hold the event loop for up to the connect timeout. A failed send raises
    `JobQueueUnavailable`.
    """

    def __init__(self, broker: RedisBroker) -> None:
        self._broker = broker

    @property
    def broker(self) -> RedisBroker:
        return self._broker

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        """Send `task` for `entity_id`, to run after `delay_s` seconds when positive."""
        message = self.message(task, entity_id)
        delay_ms = round(delay_s * 1000) if delay_s > 0 else None
        try:
            await asyncio.to_thread(self._broker.enqueue, message, delay=delay_ms)
        except redis.RedisError as exc:
            raise JobQueueUnavailable(
                f"the job queue (Redis) did not take {task}({entity_id}): {exc}"
            ) from exc

    async def enqueue_many(self, task: str, entity_ids: Sequence[str]) -> None:
        """Send `task` for every id, all in one thread hop (a hop costs more than a send to a
        nearby Redis)."""
        messages = [self.message(task, entity_id) for entity_id in entity_ids]
        try:
            await asyncio.to_thread(self._send_all, messages)
        except redis.RedisError as exc:
            raise JobQueueUnavailable(
                f"the job queue (Redis) did not take {len(messages)} messages of {task}: {exc}"
            ) from exc

    def _send_all(self, messages: Sequence[Message[None]]) -> None:
        # Through `broker.enqueue`, one command each, rather than a pipeline: the broker's
        # enqueue is its own Lua script call, with its middleware hooks and message ids.
        for message in messages:
            self._broker.enqueue(message)

    @staticmethod
    def message(task: str, entity_id: str) -> Message[None]:
        """The Dramatiq message for `task`: the actor named after the task, on its queue."""
        return Message(
            queue_name=queue_name_for(task),
            actor_name=task,
            args=(entity_id,),
            kwargs={},
            options={},
        )

    async def lost_messages(self) -> bool:
        """Whether Redis lost the messages it held since the last call: it no longer holds the
        marker this left there (restarted without persistence, flushed, failed over to an
        empty replica; also true the first time ever). Sets the marker again, atomically, so
        among several processes one learns of each loss. Raises `JobQueueUnavailable`."""
        marker = f"{self._broker.namespace}:messages-kept-since"
        try:
            created = await asyncio.to_thread(
                self._broker.client.set, marker, str(time.time()), nx=True
            )
        except redis.RedisError as exc:
            raise JobQueueUnavailable(f"the job queue (Redis) did not answer: {exc}") from exc
        return bool(created)

    async def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(await asyncio.to_thread(self._broker.client.ping))
        except redis.RedisError:
            return False

    async def close(self) -> None:
        """Close the broker's connections."""
        await asyncio.to_thread(self._broker.client.close)

"""The `JobQueue` the use cases send tasks through: Dramatiq's actors, on Redis or, for the
embedded default, on Dramatiq's in-memory `StubBroker`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name

from wooconnect.app.errors import JobQueueUnavailable

DEFAULT_NAMESPACE = "wooconnect"

# A sender gives up quickly on an unreachable Redis: the caller has the job in the database
# and would rather answer its request than wait (a sweeper sends the job later).
SEND_CONNECT_TIMEOUT_S = 2.0
SEND_SOCKET_TIMEOUT_S = 5.0


def many(task: str) -> str:
    """The actor that runs `task` for every id its message carries, where one is declared
    (`actors.declare_actors`): how `enqueue_many` sends a batch of that task."""
    return f"{task}_many"


# Ids one message of `enqueue_many` carries at most: the worker that takes the message runs
# them together, so the batch stays one worker's fair share.
IDS_PER_MESSAGE = 50


class DramatiqJobQueue:
    """Sends each task to its actor (declared on `broker`) with the entity id as its argument.

    On Redis a send runs in a thread: redis-py is synchronous, and an unreachable Redis would
    otherwise hold the event loop for up to the connect timeout; a failed send raises
    `JobQueueUnavailable`. The in-memory broker takes a message at once.

    `enqueue_many` sends a task with a bulk actor (`many(task)`) as messages of up to
    `IDS_PER_MESSAGE` ids: a message costs the sender and Redis far more than an id (a
    script call, an encoding, a copy per middleware hook), and the receiver hands deliveries
    on in bursts. Other tasks go one message per id.
    """

    def __init__(self, broker: dramatiq.Broker) -> None:
        self._broker = broker
        self._redis = broker if isinstance(broker, RedisBroker) else None
        self._asked_about_losses = False

    @property
    def broker(self) -> dramatiq.Broker:
        return self._broker

    @property
    def on_redis(self) -> bool:
        return self._redis is not None

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        """Send `task` for `entity_id`, to run after `delay_s` seconds when positive."""
        message = self._actor(task).message(entity_id)
        delay_ms = round(delay_s * 1000) if delay_s > 0 else None
        await self._send([message], delay_ms, f"{task}({entity_id})")

    async def enqueue_many(self, task: str, entity_ids: Sequence[str]) -> None:
        """Send `task` for every id, from one thread (one hop off the event loop per batch)."""
        if not entity_ids:
            return
        bulk = many(task)
        if bulk in self._broker.get_declared_actors():
            actor = self._actor(bulk)
            messages = [
                actor.message(list(entity_ids[start : start + IDS_PER_MESSAGE]))
                for start in range(0, len(entity_ids), IDS_PER_MESSAGE)
            ]
        else:
            actor = self._actor(task)
            messages = [actor.message(entity_id) for entity_id in entity_ids]
        await self._send(messages, None, f"{len(entity_ids)} ids of {task}")

    def _actor(self, task: str) -> dramatiq.Actor[..., object]:
        return self._broker.get_actor(task)

    async def _send(
        self, messages: list[dramatiq.Message[object]], delay_ms: int | None, what: str
    ) -> None:
        broker = self._broker

        def send() -> None:
            for message in messages:
                broker.enqueue(message, delay=delay_ms)

        if self._redis is None:
            send()
            return
        try:
            await asyncio.to_thread(send)
        except redis.RedisError as exc:
            raise JobQueueUnavailable(f"the job queue (Redis) did not take {what}: {exc}") from exc

    async def lost_messages(self) -> bool:
        """Whether the broker lost the messages it held since the last call.

        On Redis: it no longer holds the marker this left there (restarted without persistence,
        flushed, failed over to an empty replica; also true the first time ever). Sets the
        marker again, atomically, so among several processes one learns of each loss. Raises
        `JobQueueUnavailable`. In memory: true the first time it is asked, since whatever an
        earlier run of this process had sent is gone.
        """
        if self._redis is None:
            first, self._asked_about_losses = not self._asked_about_losses, True
            return first
        marker = f"{self._redis.namespace}:messages-kept-since"
        try:
            created = await asyncio.to_thread(
                self._redis.client.set, marker, str(time.time()), nx=True
            )
        except redis.RedisError as exc:
            raise JobQueueUnavailable(f"the job queue (Redis) did not answer: {exc}") from exc
        return bool(created)

    async def depths(self) -> dict[str, int]:
        """Per queue (its delayed messages included), the messages sent and not yet finished:
        waiting, delayed, prefetched by a worker, or running. Raises `JobQueueUnavailable`.

        On Redis this is Dramatiq's own count (the one `broker.join` waits on), in which a
        message a worker holds counts twice; a backlog reads true, zero means nothing is left.
        """
        broker = self._broker
        names = sorted(broker.get_declared_queues())
        if self._redis is None:
            queues = getattr(broker, "queues", {})
            return {
                name: sum(
                    int(queues[q].unfinished_tasks) for q in (name, dq_name(name)) if q in queues
                )
                for name in names
            }
        redis_broker = self._redis

        def count() -> list[int]:
            return [int(redis_broker.do_qsize(name)) for name in names]

        try:
            counts = await asyncio.to_thread(count)
        except redis.RedisError as exc:
            raise JobQueueUnavailable(f"the job queue (Redis) did not answer: {exc}") from exc
        return dict(zip(names, counts, strict=True))

    async def ping(self) -> bool:
        """True when the broker answers (the in-memory one always does)."""
        if self._redis is None:
            return True
        try:
            return bool(await asyncio.to_thread(self._redis.client.ping))
        except redis.RedisError:
            return False

    async def close(self) -> None:
        """Close the broker's connections."""
        if self._redis is not None:
            await asyncio.to_thread(self._redis.client.close)

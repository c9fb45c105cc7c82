"""Dramatiq on Redis: the broker, and the `JobQueue` that sends to it.

Messages are built here rather than through declared actors, so a process that only sends
(the API) needs no actor declarations and no handlers, only the task's name.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from typing import Any

import msgspec
import redis
import redis.asyncio
from dramatiq import Message, Middleware
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

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

    A single send runs in a thread: redis-py is synchronous here, and an unreachable Redis
    would otherwise hold the event loop for up to the connect timeout. A batch goes from the
    loop over an asyncio connection (`enqueue_many`). A failed send raises
    `JobQueueUnavailable`.
    """

    def __init__(self, broker: RedisBroker, *, redis_url: str | None = None) -> None:
        self._broker = broker
        self._redis_url = redis_url
        self._batches: _AsyncBatchSender | None = None

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
        """Send `task` for every id, in one round trip to Redis, from the event loop itself.

        The receiver sends every batch of deliveries it stores; a thread per batch would
        contend with the loop for the GIL while the loop serves requests.
        """
        if not entity_ids:
            return
        if self._batches is None:
            self._batches = _AsyncBatchSender(self._broker, self._redis_url)
        try:
            await self._batches.send(task, entity_ids)
        except redis.RedisError as exc:
            raise JobQueueUnavailable(
                f"the job queue (Redis) did not take {len(entity_ids)} messages of {task}: {exc}"
            ) from exc

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
        if self._batches is not None:
            await self._batches.close()
            self._batches = None
        await asyncio.to_thread(self._broker.client.close)


class _AsyncBatchSender:
    """Puts Dramatiq messages where `RedisBroker.enqueue` puts them (the message in the queue's
    `.msgs` hash under a Redis message id of its own, that id at the tail of the queue's
    list), a whole batch in one transaction, over an asyncio connection.

    Dramatiq's enqueue runs its dispatch script once per message; for a batch, one HSET and
    one RPUSH inside MULTI/EXEC do the same writes in one round trip, and no other client sees
    a message without its id or an id without its message. The messages are encoded as
    `Message.encode` does (JSON of the message's fields); the broker's middleware, if it has
    any, sees each one before and after, as it would.

    The connection belongs to the loop that first sends; a `DramatiqJobQueue` lives on one.
    """

    def __init__(self, broker: RedisBroker, redis_url: str | None) -> None:
        self._broker = broker
        if redis_url is not None:
            self._client = redis.asyncio.Redis.from_url(
                redis_url,
                socket_connect_timeout=SEND_CONNECT_TIMEOUT_S,
                socket_timeout=SEND_SOCKET_TIMEOUT_S,
            )
        else:  # the broker's own settings (plain TCP)
            pool = broker.client.connection_pool.connection_kwargs
            self._client = redis.asyncio.Redis(
                **{k: v for k, v in pool.items() if k in _ASYNC_CONNECTION_OPTIONS}
            )

    async def send(self, task: str, entity_ids: Sequence[str]) -> None:
        broker = self._broker
        queue_name = queue_name_for(task)
        timestamp = current_millis()
        redis_ids = _random_ids(len(entity_ids))
        message_ids = _random_ids(len(entity_ids))
        messages: list[dict[str, Any]] = [
            {
                "queue_name": queue_name,
                "actor_name": task,
                "args": [entity_id],
                "kwargs": {},
                "options": {"redis_message_id": redis_id},
                "message_id": message_id,
                "message_timestamp": timestamp,
            }
            for entity_id, redis_id, message_id in zip(
                entity_ids, redis_ids, message_ids, strict=True
            )
        ]
        observed: list[Message[None]] = (
            [Message(**fields) for fields in messages] if broker.middleware else []
        )
        for message in observed:
            broker.emit_before("enqueue", message, None)
        queue = f"{broker.namespace}:{queue_name}".encode()
        ids = [redis_id.encode() for redis_id in redis_ids]
        hset = [b"HSET", queue + b".msgs"]
        for redis_id, fields in zip(ids, messages, strict=True):
            hset += (redis_id, _ENCODE(fields))
        await self._transaction(
            b"".join((_MULTI, _resp(hset), _resp([b"RPUSH", queue, *ids]), _EXEC))
        )
        for message in observed:
            broker.emit_after("enqueue", message, None)

    async def _transaction(self, payload: bytes) -> None:
        """Write MULTI, the two commands and EXEC at once, then read their four answers; the
        first error among them (a refused command, or one that failed inside EXEC) is raised
        once all are read."""
        pool = self._client.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(payload)
            first_error: redis.exceptions.ResponseError | None = None
            for _ in range(4):
                try:
                    answer = await connection.read_response()
                except redis.exceptions.ResponseError as exc:
                    first_error = first_error or exc
                    continue
                if isinstance(answer, list):  # EXEC: each command's result, errors included
                    failed = [a for a in answer if isinstance(a, redis.exceptions.ResponseError)]
                    first_error = first_error or (failed[0] if failed else None)
        except BaseException:
            # An answer may be left unread: the connection must not serve another command.
            await connection.disconnect(nowait=True)
            raise
        finally:
            await pool.release(connection)
        if first_error is not None:
            raise first_error

    async def close(self) -> None:
        await self._client.aclose()


def _resp(parts: list[bytes]) -> bytes:
    """One command in Redis's wire protocol (RESP): an array of bulk strings."""
    return b"*%d\r\n" % len(parts) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in parts
    )


def _random_ids(count: int) -> list[str]:
    """`count` random 128-bit ids in hex, for messages (Dramatiq reads them as opaque strings),
    from one call to the OS's random source."""
    digits = os.urandom(16 * count).hex()
    return [digits[n : n + 32] for n in range(0, 32 * count, 32)]


_MULTI = _resp([b"MULTI"])
_EXEC = _resp([b"EXEC"])
# Dramatiq's default encoder writes compact JSON; its decoder reads any JSON.
_ENCODE = msgspec.json.encode


# What a sync Redis connection's settings carry over to the asyncio client.
_ASYNC_CONNECTION_OPTIONS = frozenset(
    {
        "host",
        "port",
        "db",
        "username",
        "password",
        "socket_connect_timeout",
        "socket_timeout",
        "health_check_interval",
    }
)

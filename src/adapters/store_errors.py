"""Failed store requests per connection, for `/metrics`.

Every process that talks to stores counts them (mostly the workers); the API serves them. With
Redis the counts are a hash there, shared by the processes; without Redis there is one
process, and they stay in its memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

import redis
from dramatiq.brokers.redis import RedisBroker

from wooconnect.adapters.worker.job_queue import DramatiqJobQueue

log = logging.getLogger(__name__)


class StoreErrorCounts:
    """Counts by (connection id, kind), the kind being the error's code (`store_unavailable`:
    timeouts, 429s and 5xx after the client's own retries; `store_rejected`: keys refused or
    revoked, an address refused; `store_request_invalid`)."""

    def __init__(self, client: redis.Redis | None = None, key: str = "") -> None:
        self._client = client
        self._key = key
        self._local: Counter[tuple[str, str]] = Counter()

    @classmethod
    def beside(cls, queue: DramatiqJobQueue) -> StoreErrorCounts:
        """Counts kept where the job queue is: its Redis, or this process."""
        broker = queue.broker
        if isinstance(broker, RedisBroker):
            return cls(broker.client, f"{broker.namespace}:metrics:store-errors")
        return cls()

    async def record(self, connection_id: str, kind: str) -> None:
        if self._client is None:
            self._local[(connection_id, kind)] += 1
            return
        try:
            await asyncio.to_thread(self._client.hincrby, self._key, f"{connection_id}|{kind}", 1)
        except redis.RedisError as exc:  # a count lost is better than a task held up
            log.debug("store error not counted: %s", exc)

    async def read(self) -> dict[tuple[str, str], int]:
        """Every count so far; raises `redis.RedisError` when Redis does not answer."""
        if self._client is None:
            return dict(self._local)
        raw = await asyncio.to_thread(self._client.hgetall, self._key)
        counts: dict[tuple[str, str], int] = {}
        for field, value in raw.items():
            name = field.decode() if isinstance(field, bytes) else field
            connection_id, _, kind = name.partition("|")
            counts[(connection_id, kind)] = int(value)
        return counts

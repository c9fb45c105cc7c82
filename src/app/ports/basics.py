"""Small ports: time, encryption at rest, and the job queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable


class Clock(Protocol):
    """Where "now" comes from: timezone-aware UTC."""

    def now(self) -> datetime: ...


class Cipher(Protocol):
    """Symmetric encryption for secrets at rest (store credentials, webhook secrets)."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, token: str) -> str: ...


class JobQueue(Protocol):
    """Sends a task to the workers. Messages carry ids only; the database holds the job."""

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None: ...


class MessageLosses(Protocol):
    """Tells whether the job queue lost the messages it held (a Redis restarted without
    persistence; an in-memory queue after a restart of its process)."""

    async def lost_messages(self) -> bool:
        """Whether messages were lost since the last call, among all processes asking: one of
        them learns of each loss. Raises `JobQueueUnavailable` when the queue does not answer."""
        ...


@runtime_checkable
class BulkJobQueue(JobQueue, Protocol):
    """A job queue that can also send one task for many ids at once (one round trip to the
    broker instead of one per id). Optional: callers fall back to `enqueue` one by one."""

    async def enqueue_many(self, task: str, entity_ids: Sequence[str]) -> None:
        """Send `task` for every id; on failure raises, and any of them may have been sent."""
        ...

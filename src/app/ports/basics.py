"""Small ports: time, encryption at rest, and the job queue."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


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

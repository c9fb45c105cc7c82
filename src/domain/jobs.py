"""Import jobs: one per connection and entity, checkpointed page by page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from wooconnect.domain.errors import IllegalTransition


class ImportEntity(StrEnum):
    CONTACTS = "contacts"
    ORDERS = "orders"
    TRANSACTIONS = "transactions"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportJob:
    """Progress of one entity's import. `cursor` is the last committed page (0: none yet)."""

    id: str
    connection_id: str
    entity: ImportEntity
    generation: int
    status: JobStatus
    created_at: datetime
    cursor: int = 0
    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.COMPLETED, JobStatus.FAILED)

    def start(self, now: datetime) -> ImportJob:
        if self.is_finished:
            raise IllegalTransition("import job", self.status.value, JobStatus.RUNNING.value)
        return replace(self, status=JobStatus.RUNNING, started_at=self.started_at or now)

    def checkpoint(
        self, *, page: int, total: int, done: int, skipped: int, failed: int
    ) -> ImportJob:
        """Record a committed page: counts are added, the cursor moves to `page`."""
        if self.status is not JobStatus.RUNNING:
            raise IllegalTransition("import job", self.status.value, "checkpoint")
        return replace(
            self,
            cursor=page,
            total=total,
            done=self.done + done,
            skipped=self.skipped + skipped,
            failed=self.failed + failed,
        )

    def complete(self, now: datetime) -> ImportJob:
        if self.status is not JobStatus.RUNNING:
            raise IllegalTransition("import job", self.status.value, JobStatus.COMPLETED.value)
        return replace(self, status=JobStatus.COMPLETED, finished_at=now, last_error=None)

    def fail(self, reason: str, now: datetime) -> ImportJob:
        if self.is_finished:
            raise IllegalTransition("import job", self.status.value, JobStatus.FAILED.value)
        return replace(self, status=JobStatus.FAILED, finished_at=now, last_error=reason)

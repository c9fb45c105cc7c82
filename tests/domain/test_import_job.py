"""Import jobs count progress page by page and cannot move backwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wooconnect.domain.errors import IllegalTransition
from wooconnect.domain.jobs import ImportEntity, ImportJob, JobStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_checkpoints_add_up_and_move_the_cursor() -> None:
    job = ImportJob("j", "c", ImportEntity.ORDERS, 1, JobStatus.QUEUED, NOW).start(NOW)
    job = job.checkpoint(page=1, total=250, done=90, skipped=8, failed=2)
    job = job.checkpoint(page=2, total=250, done=100, skipped=0, failed=0)
    assert (job.cursor, job.total, job.done, job.skipped, job.failed) == (2, 250, 190, 8, 2)
    done = job.complete(NOW)
    assert done.status is JobStatus.COMPLETED
    assert done.finished_at == NOW


def test_a_finished_job_cannot_start_again() -> None:
    job = ImportJob("j", "c", ImportEntity.ORDERS, 1, JobStatus.QUEUED, NOW).start(NOW)
    finished = job.fail("store refused", NOW)
    with pytest.raises(IllegalTransition):
        finished.start(NOW)
    with pytest.raises(IllegalTransition):
        finished.checkpoint(page=3, total=1, done=1, skipped=0, failed=0)

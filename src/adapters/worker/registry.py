"""The tasks, periodic jobs and start hooks every worker runs, assembled from registration
functions. A use-case module contributes one function `register_…(registry, container)` and
adds it to `REGISTRATIONS`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self

from adapters.bootstrap import Container
from adapters.worker import handlers
from adapters.worker.tasks import TaskRegistry
from app.errors import JobQueueUnavailable
from app.ports.basics import JobQueue
from app.ports.persistence import ImportJobRepository
from app.tasks import IMPORT_RUN

log = logging.getLogger(__name__)

Registration = Callable[[TaskRegistry, Container], None]


class ImportJobsUnit(Protocol):
    """The slice of a unit of work that resuming imports reads."""

    @property
    def import_jobs(self) -> ImportJobRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


async def resume_unfinished_imports(uow: Callable[[], ImportJobsUnit], queue: JobQueue) -> int:
    """Enqueue every queued or running import job again; returns how many were sent.

    A crash or a restart may have lost their messages (the in-process queue lives in memory);
    a job whose message survived runs twice, which its handler, idempotent and checkpointed,
    must tolerate.
    """
    async with uow() as unit:
        jobs = await unit.import_jobs.list_unfinished()
    sent = 0
    for job in jobs:
        try:
            await queue.enqueue(IMPORT_RUN, job.id)
        except JobQueueUnavailable as exc:
            log.warning("could not resume unfinished imports: %s", exc)
            break
        sent += 1
    if sent:
        log.info("resumed %d unfinished import jobs", sent)
    return sent


def register_resume_unfinished_imports(registry: TaskRegistry, container: Container) -> None:
    """On start, enqueue the import jobs a stop or a crash left unfinished."""

    async def resume() -> None:
        await resume_unfinished_imports(container.uow, container.job_queue)

    registry.on_start("resume-unfinished-imports", resume)


REGISTRATIONS: tuple[Registration, ...] = (
    register_resume_unfinished_imports,
    handlers.register_imports,
    handlers.register_deliveries,
    handlers.register_reconciliation,
    handlers.register_trigger_deliveries,
)


def build_registry(
    container: Container, registrations: Sequence[Registration] = REGISTRATIONS
) -> TaskRegistry:
    """A registry filled by each registration function, in order."""
    registry = TaskRegistry()
    for register in registrations:
        register(registry, container)
    return registry

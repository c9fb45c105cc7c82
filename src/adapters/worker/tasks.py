"""Task handlers, their retry options, and the one retry policy both worker modes apply.

A handler receives an id, loads what it needs from the database and is idempotent: every
message may arrive more than once (a retry, a re-enqueue on start, a dead worker's message
handed to another). How a failure is treated is decided here, once, so the in-process worker
and the Dramatiq worker behave alike:

- `RetryLater` (the handler asks to run again) and `app.errors.UpstreamUnavailable` (the store
  is down or throttling; its `retry_after` is honoured) are retried;
- any other `app.errors.AppError` (`UpstreamRejected` and friends) is permanent: logged, never
  retried;
- any other exception, and a handler that overruns its time limit, is retried with exponential
  backoff until `max_retries`, then given up and logged.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from adapters.worker.scheduler import Periodic
from app.errors import AppError, UpstreamUnavailable
from app.log_context import log_context

log = logging.getLogger(__name__)

TaskHandler = Callable[[str], Awaitable[None]]
"""Runs one task for one entity id."""

# Dramatiq refuses delays of 7 days or more; a store asking for longer is asked again sooner.
MAX_DELAY_S = 6 * 86_400

StartupHook = Callable[[], Awaitable[None]]
"""Runs once when a worker starts (e.g. re-enqueue the jobs a crash left unfinished)."""


class RetryLater(Exception):
    """Raised by a handler to be run again later: after `delay_s` seconds if given, otherwise
    after the task's exponential backoff. Counts towards `max_retries`."""

    def __init__(self, reason: str = "retry requested", *, delay_s: float | None = None) -> None:
        super().__init__(reason)
        self.delay_s = delay_s


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """How a task is retried and how long one run may take."""

    max_retries: int = 10
    min_backoff_ms: int = 1_000
    max_backoff_ms: int = 300_000
    time_limit_ms: int = 900_000

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if not 0 < self.min_backoff_ms <= self.max_backoff_ms:
            raise ValueError("backoff must satisfy 0 < min_backoff_ms <= max_backoff_ms")
        if self.time_limit_ms <= 0:
            raise ValueError("time_limit_ms must be positive")


class Verdict(Enum):
    DONE = "done"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one run: done, retry after `delay_s`, or failed for good."""

    verdict: Verdict
    delay_s: float = 0.0
    reason: str = ""


def queue_name_for(task: str) -> str:
    """The queue a task travels on: the part of its dotted name before the first dot."""
    head, dot, _ = task.partition(".")
    if not dot or not head:
        raise ValueError(f"task names are dotted, like 'imports.run', not {task!r}")
    return head


def backoff_s(attempt: int, options: TaskOptions) -> float:
    """Exponential backoff for the `attempt`-th retry (0-based), with jitter in its upper half
    so that many jobs failing together (a store outage) do not all come back at once."""
    ceiling = float(min(options.max_backoff_ms, options.min_backoff_ms * 2 ** min(attempt, 32)))
    return (ceiling / 2 + random.uniform(0, ceiling / 2)) / 1000


class TaskRegistry:
    """Task name → handler and options, plus the periodic jobs and start hooks of a worker.

    Use-case modules fill it through a registration function (see `adapters.worker.registry`);
    both worker modes read it.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, TaskHandler] = {}
        self._options: dict[str, TaskOptions] = {}
        self._periodics: dict[str, Periodic] = {}
        self._startup: list[tuple[str, StartupHook]] = []

    def register(self, task: str, handler: TaskHandler, options: TaskOptions | None = None) -> None:
        """Handle `task` with `handler`; a name can be registered once."""
        queue_name_for(task)
        if task in self._handlers:
            raise ValueError(f"task {task!r} is registered already")
        self._handlers[task] = handler
        self._options[task] = options or TaskOptions()

    def add_periodic(self, periodic: Periodic) -> None:
        """Run `periodic` on its interval in every worker; one firing per interval in total."""
        if periodic.name in self._periodics:
            raise ValueError(f"periodic job {periodic.name!r} is registered already")
        self._periodics[periodic.name] = periodic

    def on_start(self, name: str, hook: StartupHook) -> None:
        """Run `hook` when the workers start (once per start, not once per worker process)."""
        self._startup.append((name, hook))

    @property
    def tasks(self) -> frozenset[str]:
        return frozenset(self._handlers)

    @property
    def periodics(self) -> tuple[Periodic, ...]:
        return tuple(self._periodics.values())

    @property
    def startup_hooks(self) -> tuple[tuple[str, StartupHook], ...]:
        return tuple(self._startup)

    def options(self, task: str) -> TaskOptions:
        return self._options.get(task, TaskOptions())

    def handler(self, task: str) -> TaskHandler | None:
        return self._handlers.get(task)


async def execute(registry: TaskRegistry, task: str, entity_id: str, attempt: int) -> Outcome:
    """Run `task` for `entity_id` once (its `attempt`-th retry, 0 for the first run) and decide
    what happens next. Logs every failure; never raises, except on cancellation."""
    handler = registry.handler(task)
    if handler is None:
        log.error("no handler is registered for task %s; dropping %s", task, entity_id)
        return Outcome(Verdict.FAILED, reason="no handler")
    options = registry.options(task)
    limit = asyncio.timeout(options.time_limit_ms / 1000)
    # Every line logged while the task runs carries its name and entity id (and whatever ids
    # the use case binds: connection, location, job, delivery).
    with log_context(task=task, entity_id=entity_id):
        try:
            async with limit:
                await handler(entity_id)
        except Exception as exc:
            return _judge(task, entity_id, attempt, options, exc, timed_out=limit.expired())
    return Outcome(Verdict.DONE)


def _judge(
    task: str,
    entity_id: str,
    attempt: int,
    options: TaskOptions,
    exc: Exception,
    *,
    timed_out: bool,
) -> Outcome:
    label = f"{task}({entity_id})"
    requested: float | None = None
    if isinstance(exc, RetryLater):
        requested = exc.delay_s
    elif isinstance(exc, UpstreamUnavailable):
        requested = exc.retry_after
    elif isinstance(exc, AppError):
        log.error("%s failed permanently: %s", label, exc.message)
        return Outcome(Verdict.FAILED, reason=exc.message)
    reason = str(exc) or type(exc).__name__
    if timed_out:
        reason = f"exceeded its time limit of {options.time_limit_ms} ms"
    if attempt >= options.max_retries:
        log.error(
            "%s gave up after %d attempts: %s",
            label,
            attempt + 1,
            reason,
            exc_info=not isinstance(exc, RetryLater | AppError),
        )
        return Outcome(Verdict.FAILED, reason=reason)
    delay = backoff_s(attempt, options) if requested is None else max(0.0, requested)
    delay = min(delay, MAX_DELAY_S)
    expected = timed_out or isinstance(exc, RetryLater | AppError)
    log.log(
        logging.INFO if expected else logging.WARNING,
        "%s will be retried in %.2fs (attempt %d of %d): %s",
        label,
        delay,
        attempt + 1,
        options.max_retries + 1,
        reason,
        exc_info=not expected,
    )
    return Outcome(Verdict.RETRY, delay_s=delay, reason=reason)


def names(tasks: Iterable[str]) -> str:
    """The task names, sorted and comma-separated, for messages."""
    return ", ".join(sorted(tasks)) or "(none)"

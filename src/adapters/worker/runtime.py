"""Wiring the worker machinery into a process: the in-process worker inside `serve`, and the
start hooks both modes run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.worker.inprocess import InProcessJobQueue
from adapters.worker.scheduler import LocalClaims, PeriodicRunner, SlotClaims
from adapters.worker.tasks import TaskRegistry

if TYPE_CHECKING:
    from adapters.bootstrap import Container

log = logging.getLogger(__name__)

# How long one start "owns" the start hooks: worker processes booting within this window
# (N replicas rolled out together) run them once between them.
STARTUP_CLAIM_TTL_S = 60.0


@dataclass
class InProcessWorker:
    """The in-process worker of `serve`: its job queue's consumers and the periodic jobs."""

    queue: InProcessJobQueue
    registry: TaskRegistry
    runner: PeriodicRunner

    async def stop(self, *, timeout_s: float = 10.0) -> None:
        """Stop the periodic jobs, then the consumers (running handlers get `timeout_s`)."""
        await self.runner.stop()
        await self.queue.stop(timeout_s=timeout_s)


async def start_in_process(
    container: Container, build_registry: Callable[[Container], TaskRegistry]
) -> InProcessWorker:
    """Start the embedded worker on the running loop: consumers, periodic jobs, start hooks."""
    queue = container.job_queue
    if not isinstance(queue, InProcessJobQueue):
        raise TypeError("the in-process worker runs only when WOOCONNECT_REDIS_URL is unset")
    registry = build_registry(container)
    queue.start(registry)
    runner = PeriodicRunner(registry.periodics, LocalClaims())
    runner.start()
    await run_startup_hooks(registry, LocalClaims())
    return InProcessWorker(queue=queue, registry=registry, runner=runner)


async def run_startup_hooks(registry: TaskRegistry, claims: SlotClaims) -> None:
    """Run each start hook once per start; a failing hook is logged and the others still run."""
    for name, hook in registry.startup_hooks:
        if not await claims.claim(f"start:{name}", 0, ttl_s=STARTUP_CLAIM_TTL_S):
            log.info("start hook %s ran in another worker moments ago", name)
            continue
        try:
            await hook()
        except Exception:
            log.exception("start hook %s failed", name)

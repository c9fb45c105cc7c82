"""Waiting for the service: poll until a condition holds, however long a busy machine takes.

Every wait ends on the event it waits for. The bound is only there so that a test that will
never see it fails instead of hanging; it is generous on purpose (a shared CI machine under
load is slow, not broken), so no test tunes it to a quiet machine. A wait for work that
advances step by step (an import's pages, a backlog of deliveries) also says how far the work
has come: its bound then counts from the last step, so a slow wait that keeps moving goes on
and only a stuck one fails.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, overload

T = TypeVar("T")

# Far above what any step takes on a loaded two-core machine, below pytest's per-test timeout.
PATIENCE_S = 120.0

Progress = Callable[[], Hashable] | None


class _Patience:
    """The deadline of one wait. With `progress`, a deadline reached is moved on when the
    snapshot differs from the one taken when that deadline was set: something happened in the
    last `within` seconds. The snapshot is taken only then, so it may cost an API call."""

    def __init__(self, within: float, progress: Progress) -> None:
        self.within = within
        self.progress = progress
        self.deadline = time.monotonic() + within
        self.seen: Hashable = None
        self.started = False

    def check(self, what: str, last: object) -> None:
        if self.progress is not None and not self.started:
            self.seen, self.started = self.progress(), True
        if time.monotonic() <= self.deadline:
            return
        if self.progress is not None:
            now = self.progress()
            if now != self.seen:
                self.seen = now
                self.deadline = time.monotonic() + self.within
                return
        stalled = " without progress" if self.progress is not None else ""
        raise AssertionError(
            f"timed out after {self.within:g} s{stalled} waiting until {what} (last: {last!r})"
        )


def eventually(
    probe: Callable[[], T | None],
    *,
    what: str,
    within: float = PATIENCE_S,
    every: float = 0.05,
    progress: Progress = None,
) -> T:
    """Poll `probe` until it returns something truthy and return that; fail after `within`
    seconds (after `within` seconds in which `progress()` did not change, when given), naming
    `what` was awaited and showing the last value seen."""
    patience = _Patience(within, progress)
    while True:
        value = probe()
        if value:
            return value
        patience.check(what, value)
        time.sleep(every)


@overload
async def eventually_async(
    probe: Callable[[], Awaitable[T | None]],
    *,
    what: str,
    within: float = ...,
    every: float = ...,
    progress: Progress = ...,
) -> T: ...


@overload
async def eventually_async(
    probe: Callable[[], T | None],
    *,
    what: str,
    within: float = ...,
    every: float = ...,
    progress: Progress = ...,
) -> T: ...


async def eventually_async(
    probe: Callable[[], Any],
    *,
    what: str,
    within: float = PATIENCE_S,
    every: float = 0.05,
    progress: Progress = None,
) -> Any:
    """`eventually` for a test running on an event loop: the loop keeps turning between
    polls, and `probe` may be a coroutine function."""
    patience = _Patience(within, progress)
    while True:
        value = probe()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        patience.check(what, value)
        await asyncio.sleep(every)

"""How many requests one store gets at once: a window that follows how well the store copes.

The ceiling is the most a store may get (the connection's store concurrency, or the
deployment's default). Within it the window halves when the store shows that it is overloaded
(429, 503, 504 or no answer in time) and grows back by one request after each healthy round:
as many good answers as the window is wide, sent since it last shrank, and on average not much
slower than the fastest round seen. That is TCP's additive increase and multiplicative
decrease: a store that slows down is never pushed harder, and one that recovers gets its
requests back gradually. A round in which the window was never full says nothing about whether
the store could take more, and does not grow it. A `Retry-After` pauses every request to the
store for that long.

One window per store domain, shared by every caller in the process (imports, reconciliation,
webhook checks), on the process's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Answers that mean "too much": the store asks us to slow down, or its workers are all busy,
# or the gateway in front of it gave up waiting for it.
OVERLOAD_STATUSES = frozenset({429, 503, 504})
# A round whose answers take on average more than this many times the fastest round's, and at
# least this much longer, is a slowdown: the window holds instead of growing. (Jitter of a few
# milliseconds on a fast store is not a slowdown.)
SLOWDOWN_FACTOR = 2.0
SLOWDOWN_FLOOR_S = 0.05
# After a slow round the reference pace moves this much towards it, so that a store which is
# slower for good (bigger pages, a busier hour) is held back for a few rounds, not for ever.
PACE_DRIFT = 1.25


@dataclass(frozen=True, slots=True)
class Permit:
    """One request's place in the window: when it was sent, at which shrink of the window
    (answers to requests sent before the window last shrank neither shrink nor grow it), and
    whether it filled the window."""

    shrink: int
    sent_at: float
    filled: bool


class StoreWindow:
    """The requests in flight to one store, and how many may be."""

    def __init__(
        self, ceiling: int, *, name: str = "", clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ceiling < 1:
            raise ValueError("a store window needs a ceiling of at least 1")
        self._name = name
        self._clock = clock
        self._ceiling = ceiling
        self._width = ceiling
        self._in_flight = 0
        self._shrinks = 0
        self._round_answers = 0
        self._round_seconds = 0.0
        self._round_filled = False
        self._pace: float | None = None
        self._paused_until = 0.0
        self._waiters: list[asyncio.Future[None]] = []

    @property
    def ceiling(self) -> int:
        """The most requests in flight the window may ever allow."""
        return self._ceiling

    @property
    def width(self) -> int:
        """How many requests may be in flight now."""
        return self._width

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def set_ceiling(self, ceiling: int) -> None:
        """A new ceiling (the connection's setting changed). Lowered, the window shrinks to it
        at once; raised, the window grows towards it round by round."""
        if ceiling < 1:
            raise ValueError("a store window needs a ceiling of at least 1")
        if ceiling == self._ceiling:
            return
        self._ceiling = ceiling
        if self._width > ceiling:
            self._width = ceiling
            self._new_round()
        self._wake()

    def paused_for(self) -> float:
        """Seconds left of the pause the store asked for with `Retry-After` (0: none)."""
        return max(0.0, self._paused_until - self._clock())

    async def acquire(self) -> Permit:
        """Wait for a place in the window; hand it back with one of the three answers below."""
        while self._in_flight >= self._width:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self._in_flight += 1
        return Permit(self._shrinks, self._clock(), self._in_flight >= self._width)

    def answered(self, permit: Permit) -> None:
        """The store answered (any answer that is not overload): a step towards a healthy
        round."""
        self._release()
        if permit.shrink == self._shrinks:
            self._round_answers += 1
            self._round_seconds += self._clock() - permit.sent_at
            self._round_filled = self._round_filled or permit.filled
            if self._round_answers >= self._width:
                self._end_round()
        self._wake()

    def overloaded(self, permit: Permit, retry_after: float | None = None) -> None:
        """The store is overloaded: halve the window (once for all the requests sent at its
        current width) and pause for `retry_after` seconds when the store said so."""
        self._release()
        if retry_after is not None and retry_after > 0:
            self._paused_until = max(self._paused_until, self._clock() + retry_after)
        if permit.shrink == self._shrinks:
            before = self._width
            self._width = max(1, self._width // 2)
            self._shrinks += 1
            self._new_round()
            log.info(
                "store %s is overloaded: %d requests at once, down from %d",
                self._name,
                self._width,
                before,
            )
        self._wake()

    def failed(self, permit: Permit) -> None:
        """No answer that says anything about load (a refused connection, a 500)."""
        self._release()
        self._wake()

    def _release(self) -> None:
        self._in_flight = max(0, self._in_flight - 1)

    def _end_round(self) -> None:
        mean = self._round_seconds / max(1, self._round_answers)
        if self._pace is None or mean < self._pace:
            self._pace = mean
        if mean > self._pace * SLOWDOWN_FACTOR and mean - self._pace > SLOWDOWN_FLOOR_S:
            self._pace *= PACE_DRIFT
        elif self._width < self._ceiling and self._round_filled:
            self._width += 1
            log.debug("store %s answers well: %d requests at once", self._name, self._width)
        self._new_round()

    def _new_round(self) -> None:
        self._round_answers = 0
        self._round_seconds = 0.0
        self._round_filled = False

    def _wake(self) -> None:
        # Every waiter checks the window again; there are never many (one per caller).
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class StoreWindows:
    """One window per store domain, created on first use with the ceiling asked for."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, StoreWindow] = {}

    def get(self, domain: str, ceiling: int) -> StoreWindow:
        """The window of `domain`, its ceiling set to `ceiling` (the latest setting wins when
        two connections to one store ask for different ones)."""
        window = self._windows.get(domain)
        if window is None:
            window = self._windows[domain] = StoreWindow(ceiling, name=domain, clock=self._clock)
        else:
            window.set_ceiling(ceiling)
        return window

"""Waiting for the service: poll until a condition holds, however long a busy machine takes.

Every wait ends on the event it waits for. The bound is only there so that a test that will
never see it fails instead of hanging; it is generous on purpose (a shared CI machine under
load is slow, not broken), so no test tunes it to a quiet machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Far above what any wait takes on a loaded two-core machine, below pytest's per-test timeout.
PATIENCE_S = 120.0


def eventually(
    probe: Callable[[], T | None], *, what: str, within: float = PATIENCE_S, every: float = 0.05
) -> T:
    """Poll `probe` until it returns something truthy and return that; fail after `within`
    seconds, naming `what` was awaited and showing the last value seen."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {within:.0f} s waiting until {what} (last: {value!r})"
            )
        time.sleep(every)

"""The harness's waits: they end on their event, and their bound stops only a stuck wait."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.support.waiting import eventually, eventually_async


def test_a_wait_returns_what_the_probe_found_as_soon_as_it_finds_it() -> None:
    polls = itertools.count(1)
    assert eventually(lambda: (n := next(polls)) >= 3 and n, what="the third poll") == 3


def test_a_wait_without_its_event_fails_after_its_bound_naming_what_it_waited_for() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"timed out after 0.2 s waiting until never \(last"):
        eventually(lambda: None, what="never", within=0.2, every=0.01)
    assert time.monotonic() - started >= 0.2


def test_a_wait_whose_work_keeps_moving_outlasts_its_bound() -> None:
    started = time.monotonic()
    steps = itertools.count()

    def done() -> bool:
        return time.monotonic() - started > 0.6

    assert eventually(done, what="the slow work", within=0.2, every=0.01, progress=steps.__next__)


def test_a_wait_whose_work_stops_moving_fails_a_bound_after_the_last_step() -> None:
    started = time.monotonic()

    def step() -> int:
        return min(int((time.monotonic() - started) / 0.1), 3)  # moves until 0.3 s, then stops

    with pytest.raises(AssertionError, match="without progress waiting until the stuck work"):
        eventually(lambda: None, what="the stuck work", within=0.2, every=0.01, progress=step)
    assert time.monotonic() - started >= 0.5


async def test_a_wait_on_an_event_loop_awaits_a_coroutine_probe() -> None:
    polls = itertools.count(1)

    async def third() -> int | None:
        n = next(polls)
        return n if n >= 3 else None

    assert await eventually_async(third, what="the third poll", every=0.01) == 3

"""The window of requests in flight to one store: halved on overload, grown back one request
per healthy round, paused by Retry-After, never above its ceiling."""

from __future__ import annotations

import asyncio

import pytest

from wooconnect.adapters.woocommerce.window import Permit, StoreWindow


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def window(ceiling: int = 8) -> tuple[StoreWindow, Clock]:
    clock = Clock()
    return StoreWindow(ceiling, name="shop.test", clock=clock), clock


async def permits(w: StoreWindow, count: int) -> list[Permit]:
    return [await w.acquire() for _ in range(count)]


async def healthy_round(w: StoreWindow, clock: Clock, seconds: float = 0.2) -> None:
    """As many answers as the window is wide, each taking `seconds`."""
    for permit in await permits(w, w.width):
        clock.now += seconds / w.width
        w.answered(permit)
    clock.now += seconds


async def test_a_window_starts_at_its_ceiling() -> None:
    w, _ = window(8)
    assert (w.width, w.ceiling) == (8, 8)


async def test_overload_halves_the_window_once_for_the_requests_sent_at_that_width() -> None:
    w, _ = window(8)
    sent = await permits(w, 8)
    for permit in sent[:5]:  # five 503s from one burst are one signal
        w.overloaded(permit)
    assert w.width == 4
    later = await w.acquire()  # sent at the new width: its overload counts again
    for permit in sent[5:]:
        w.answered(permit)
    w.overloaded(later)
    assert w.width == 2


async def test_the_window_never_shrinks_below_one() -> None:
    w, _ = window(2)
    for _ in range(5):
        w.overloaded(await w.acquire())
    assert w.width == 1


async def test_each_healthy_round_gives_back_one_request_up_to_the_ceiling() -> None:
    w, clock = window(6)
    w.overloaded(await w.acquire())
    w.overloaded(await w.acquire())
    assert w.width == 1
    widths = []
    for _ in range(8):
        await healthy_round(w, clock)
        widths.append(w.width)
    assert widths == [2, 3, 4, 5, 6, 6, 6, 6]


async def test_a_window_that_is_never_full_does_not_grow() -> None:
    w, clock = window(4)
    w.overloaded(await w.acquire())
    for _ in range(10):  # one request at a time: no sign the store could take two
        permit = await w.acquire()
        clock.now += 0.1
        w.answered(permit)
    assert w.width == 2


async def test_answers_to_requests_sent_before_a_shrink_do_not_grow_the_window() -> None:
    w, clock = window(4)
    old = await permits(w, 4)
    w.overloaded(old[0])
    assert w.width == 2
    for permit in old[1:]:
        w.answered(permit)
    assert w.width == 2
    await healthy_round(w, clock)
    assert w.width == 3


async def test_a_store_that_slows_down_is_not_given_more_requests() -> None:
    w, clock = window(8)
    w.overloaded(await w.acquire())
    await healthy_round(w, clock, seconds=0.2)  # the store's pace: 0.2 s
    assert w.width == 5
    await healthy_round(w, clock, seconds=2.0)  # ten times slower: hold
    await healthy_round(w, clock, seconds=2.0)
    assert w.width == 5
    await healthy_round(w, clock, seconds=0.2)
    assert w.width == 6


async def test_a_store_slower_for_good_is_held_back_only_for_a_few_rounds() -> None:
    w, clock = window(8)
    w.overloaded(await w.acquire())
    await healthy_round(w, clock, seconds=0.1)
    for _ in range(12):
        await healthy_round(w, clock, seconds=0.5)
    assert w.width == 8


async def test_jitter_on_a_fast_store_is_not_a_slowdown() -> None:
    w, clock = window(4)
    w.overloaded(await w.acquire())
    await healthy_round(w, clock, seconds=0.001)
    await healthy_round(w, clock, seconds=0.01)
    assert w.width == 4


async def test_retry_after_pauses_the_store_for_that_long() -> None:
    w, clock = window(4)
    assert w.paused_for() == 0
    w.overloaded(await w.acquire(), retry_after=30)
    assert w.paused_for() == 30
    clock.now += 10
    assert w.paused_for() == 20
    w.overloaded(await w.acquire(), retry_after=5)  # a shorter pause does not cut it short
    assert w.paused_for() == 20


async def test_a_full_window_makes_the_next_request_wait_for_an_answer() -> None:
    w, _ = window(2)
    first, second = await permits(w, 2)
    third = asyncio.ensure_future(w.acquire())
    await asyncio.sleep(0)
    assert not third.done()
    w.answered(first)
    await asyncio.wait_for(third, 1)
    assert w.in_flight == 2
    w.failed(second)
    w.answered(third.result())
    assert w.in_flight == 0


async def test_a_waiting_request_that_is_cancelled_leaves_its_turn_to_the_next() -> None:
    w, _ = window(1)
    held = await w.acquire()
    cancelled = asyncio.ensure_future(w.acquire())
    waiting = asyncio.ensure_future(w.acquire())
    await asyncio.sleep(0)
    cancelled.cancel()
    w.answered(held)
    await asyncio.wait_for(waiting, 1)
    assert w.in_flight == 1


async def test_a_lower_ceiling_applies_at_once_and_a_higher_one_round_by_round() -> None:
    w, clock = window(8)
    w.set_ceiling(3)
    assert w.width == 3
    w.set_ceiling(5)
    assert w.width == 3
    await healthy_round(w, clock)
    await healthy_round(w, clock)
    await healthy_round(w, clock)
    assert w.width == 5


def test_a_window_needs_room_for_one_request() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        StoreWindow(0)

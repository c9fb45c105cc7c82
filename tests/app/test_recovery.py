"""What the recovery sweep says: only what it actually sent again, with the count."""

from __future__ import annotations

import logging

import pytest

from tests.app.conftest import World
from tests.app.test_live_sync import live, order_body
from tests.app.test_receiving import SwitchableQueue, receiver, signed
from wooconnect.app.recovery import Recovery


class Losses:
    def __init__(self, *answers: bool) -> None:
        self._answers = list(answers)

    async def lost_messages(self) -> bool:
        return self._answers.pop(0)


def _said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "wooconnect.app.recovery"]


async def test_a_first_start_with_nothing_pending_says_nothing_about_lost_messages(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    queue = SwitchableQueue()
    recovery = Recovery(receiver(world, queue), world.services.importer, Losses(True))

    assert await recovery.sweep(starting=True) == 0

    assert _said(caplog) == []
    assert not any("lost" in r.getMessage() for r in caplog.records)


async def test_deliveries_sent_again_after_the_queue_lost_them_are_counted(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _location, connection = await live(world)
    queue = SwitchableQueue()
    receiving = receiver(world, queue)
    for order_id in (601, 602, 603):
        await receiving.receive(signed(connection, order_body(order_id)))
    world.uow.clock.advance(seconds=5)
    caplog.set_level(logging.INFO)
    recovery = Recovery(receiving, world.services.importer, Losses(True))

    assert await recovery.sweep(starting=True) == 3

    assert _said(caplog) == [
        "the job queue holds none of the messages sent before; webhook deliveries re-sent: 3"
    ]

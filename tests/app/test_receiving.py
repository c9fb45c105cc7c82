"""The receiver's use case over its ports: a delivery is in the inbox when `receive` answers,
is handed to the workers after its commit, and what the broker refused the sweep sends."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.app.conftest import World
from tests.app.test_live_sync import live, order_body
from tests.fakes.memory import InMemoryInboxIntake
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.adapters.woocommerce.signatures import sign_webhook_body
from wooconnect.app.errors import JobQueueUnavailable
from wooconnect.app.receiving import Handover, Incoming, Receiving
from wooconnect.app.tasks import DELIVERY_PROCESS
from wooconnect.domain.connection import Connection


@dataclass
class SwitchableQueue:
    """A job queue whose broker can be down."""

    down: bool = False
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        if self.down:
            raise JobQueueUnavailable("Redis is down")
        self.sent.append((task, entity_id))


def receiver(world: World, queue: SwitchableQueue) -> Receiving:
    handover = Handover(world.uow, queue)
    intake = InMemoryInboxIntake(world.uow, handover.send_many)
    return Receiving(world.uow, world.uow.clock, WooCommerceWebhookCodec(), intake, handover)


def signed(connection: Connection, body: bytes) -> Incoming:
    signature = sign_webhook_body(body, connection.webhook_secret or "")
    return Incoming(connection.id, body, "order.created", signature)


async def test_a_delivery_is_stored_before_receive_answers_and_queued_once(world: World) -> None:
    _location, connection = await live(world)
    queue = SwitchableQueue()
    receiving = receiver(world, queue)

    first = await receiving.receive(signed(connection, order_body(501)))
    again = await receiving.receive(signed(connection, order_body(501)))

    assert first.kind == "stored"
    assert first.delivery_id is not None
    assert again.kind == "duplicate"
    assert first.delivery_id in world.uow.state.inbox
    assert queue.sent == [(DELIVERY_PROCESS, first.delivery_id)]


async def test_a_delivery_the_broker_refused_is_sent_by_the_sweep(world: World) -> None:
    _location, connection = await live(world)
    queue = SwitchableQueue(down=True)
    receiving = receiver(world, queue)

    received = await receiving.receive(signed(connection, order_body(502)))
    assert received.kind == "stored"  # stored: the store hears 200 though Redis is down
    assert world.uow.state.inbox[received.delivery_id or ""].enqueued_at is None

    queue.down = False
    world.uow.clock.advance(seconds=5)
    assert await receiving.sweep() == 1
    assert queue.sent == [(DELIVERY_PROCESS, received.delivery_id)]

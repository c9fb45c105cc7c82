"""A small world for the workflow-subscriber use cases, over the in-memory fakes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from tests.fakes.memory import FakeClock, InMemoryUnitOfWorkFactory
from wooconnect.app.auth import ADMIN, Principal
from wooconnect.app.ports.subscriptions import SubscriberUnreachable
from wooconnect.app.subscriptions import Subscriptions
from wooconnect.app.tasks import TRIGGER_DELIVER
from wooconnect.domain.crm import CrmOrderStatus, Order, OrderDraft
from wooconnect.domain.ids import new_id
from wooconnect.domain.subscriptions import TriggerDelivery, TriggerSubscription
from wooconnect.domain.tenancy import Agency, Location
from wooconnect.domain.triggers import TriggerEvent, TriggerType

SECURE_URL = "https://hooks.example.com/catch/1/"


@dataclass
class RecordingQueue:
    """Like `FakeJobQueue`, but keeps the delay each task was sent with."""

    sent: list[tuple[str, str, float]] = field(default_factory=list)

    async def enqueue(self, task: str, entity_id: str, *, delay_s: float = 0.0) -> None:
        self.sent.append((task, entity_id, delay_s))


@dataclass
class Sent:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class ScriptedSender:
    """Answers with the scripted statuses in turn (an exception instance is raised), then 200."""

    answers: list[int | Exception] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.sent.append(Sent(url, body, dict(headers)))
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class SubscriberWorld:
    uow: InMemoryUnitOfWorkFactory
    clock: FakeClock
    queue: RecordingQueue
    sender: ScriptedSender
    subscriptions: Subscriptions

    async def agency_with_location(self) -> tuple[str, str]:
        async with self.uow() as uow:
            agency = Agency(new_id(), "Agency", self.clock.now())
            location = Location(new_id(), agency.id, "Location", self.clock.now())
            await uow.agencies.add(agency)
            await uow.locations.add(location)
            await uow.commit()
        return agency.id, location.id

    async def subscribe(
        self,
        location_id: str,
        events: tuple[str, ...] = ("order_submitted", "payment_received"),
        url: str = SECURE_URL,
        principal: Principal = ADMIN,
    ) -> TriggerSubscription:
        return await self.subscriptions.create(principal, location_id, url, list(events))

    async def fire(
        self,
        location_id: str,
        kind: TriggerType = TriggerType.ORDER_SUBMITTED,
        woo_id: int = 15,
        *,
        commit: bool = True,
    ) -> TriggerEvent:
        """What the live sync does: record the event and fan it out in one transaction."""
        async with self.uow() as uow:
            draft = OrderDraft(
                woocommerce_order_id=woo_id,
                number=f"#{woo_id}",
                contact_id=None,
                status=CrmOrderStatus.PENDING,
                store_status="processing",
                currency="EUR",
                total=Decimal("42.50"),
                paid_at=self.clock.now(),
                placed_at=self.clock.now(),
                source_modified_at=self.clock.now(),
            )
            order = await uow.orders.get_by_woocommerce_id(location_id, woo_id)
            if order is None:
                order = Order.create(location_id, draft, self.clock.now())
                await uow.orders.add(order)
            event = TriggerEvent(
                new_id(), location_id, "conn-1", kind, order.id, "contact-1", self.clock.now()
            )
            assert await uow.triggers.add_if_new(event)
            await self.subscriptions.fanout(uow, event)
            if commit:
                await uow.commit()
        return event

    def queued_ids(self) -> list[str]:
        return [entity for task, entity, _ in self.queue.sent if task == TRIGGER_DELIVER]

    async def run_queue(self) -> None:
        """Play the worker for the tasks sent so far, ignoring their delays; tasks they send
        stay queued for the next call."""
        batch, self.queue.sent = self.queue.sent, []
        for _task, delivery_id, _delay in batch:
            await self.subscriptions.deliver(delivery_id)

    async def delivery(self, delivery_id: str) -> TriggerDelivery:
        async with self.uow() as uow:
            found = await uow.trigger_deliveries.get(delivery_id)
        assert found is not None
        return found

    async def deliveries(self) -> list[TriggerDelivery]:
        return sorted(self.uow.state.trigger_deliveries.values(), key=lambda d: d.id)


def unreachable() -> SubscriberUnreachable:
    return SubscriberUnreachable("connection refused")


@pytest.fixture
def world() -> SubscriberWorld:
    clock = FakeClock()
    uow = InMemoryUnitOfWorkFactory(clock)
    queue = RecordingQueue()
    sender = ScriptedSender()
    subscriptions = Subscriptions(
        uow, clock, queue, sender, allow_insecure=False, jitter=lambda: 0.0
    )
    return SubscriberWorld(uow, clock, queue, sender, subscriptions)

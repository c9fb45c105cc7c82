"""The use cases over in-memory fakes and the shipped rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.memory import FakeJobQueue, InMemoryUnitOfWorkFactory
from tests.fakes.store import FakeStoreClient
from wooconnect.adapters.rules_yaml.source import FileRuleSource
from wooconnect.adapters.services import Services, build_services
from wooconnect.adapters.woocommerce.codec import WooCommerceWebhookCodec
from wooconnect.app.auth import ADMIN
from wooconnect.app.errors import ValidationFailed
from wooconnect.app.ports.rules import RULE_SET_IDS
from wooconnect.app.ports.subscriptions import WebhookSender
from wooconnect.domain.connection import Connection
from wooconnect.domain.store import (
    StoreAddress,
    StoreCustomer,
    StoreOrder,
    StoreRefund,
    StoreRefundLine,
)
from wooconnect.domain.store_url import StoreUrl

RULES = Path(__file__).resolve().parents[2] / "rules"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakeDirectory:
    """Accepts public-looking hosts; refuses the loopback address like the real guard."""

    async def check_address(self, url: StoreUrl) -> None:
        if url.host in {"127.0.0.1", "localhost"}:
            raise ValidationFailed("private address", {"store_url": "private address"})

    def authorize_url(
        self, url: StoreUrl, *, state: str, return_url: str, callback_url: str
    ) -> str:
        return f"{url.join('wc-auth/v1/authorize')}?user_id={state}&callback_url={callback_url}"


@dataclass
class World:
    services: Services
    uow: InMemoryUnitOfWorkFactory
    store: FakeStoreClient
    queue: FakeJobQueue

    async def run_queued(self) -> None:
        """Play the worker: run every queued import job until none is left."""
        while self.queue.sent:
            _task, job_id = self.queue.sent.pop(0)
            await self.services.importer.run(job_id)

    async def agency_with_location(self, name: str = "Agency") -> tuple[str, str]:
        agency = await self.services.tenancy.create_agency(ADMIN, name)
        location = await self.services.tenancy.create_location(ADMIN, agency.id, "Loc")
        return agency.id, location.id

    async def connected(
        self, location_id: str, url: str = "https://shop.example.com"
    ) -> Connection:
        started = await self.services.connecting.start(ADMIN, location_id, url)
        connecting = self.services.connecting
        await connecting.submit_credentials(ADMIN, started.connection.id, "ck_good", "cs_good")
        return (await connecting.activate(ADMIN, started.connection.id)).connection


@pytest.fixture(scope="session")
def rules() -> FileRuleSource:
    source = FileRuleSource(RULES, required=RULE_SET_IDS)
    source.load()
    return source


@pytest.fixture
def world(rules: FileRuleSource) -> World:
    return make_world(rules)


def make_world(
    rules: FileRuleSource,
    trigger_sender: WebhookSender | None = None,
    codec: WooCommerceWebhookCodec | None = None,
    public_url: str = "https://crm.example.com",
) -> World:
    """The use cases over fresh fakes; `trigger_sender` answers for workflow subscribers."""
    uow = InMemoryUnitOfWorkFactory()
    store = FakeStoreClient(page_size=3)
    queue = FakeJobQueue()
    services = build_services(
        uow=uow,
        clock=uow.clock,
        store=store,
        directory=FakeDirectory(),
        codec=codec or WooCommerceWebhookCodec(),
        rules=rules,
        queue=queue,
        public_url=public_url,
        allow_private_stores=False,
        trigger_sender=trigger_sender,
    )
    return World(services, uow, store, queue)


def address(first: str, email: str, phone: str = "") -> StoreAddress:
    return StoreAddress(first_name=first, last_name="Doe", email=email, phone=phone)


def customer(cid: int, role: str = "customer", email: str | None = None) -> StoreCustomer:
    mail = email if email is not None else f"c{cid}@example.com"
    return StoreCustomer(
        id=cid,
        email=mail,
        first_name=f"C{cid}",
        last_name="Doe",
        role=role,
        username=f"c{cid}",
        billing=address(f"C{cid}", mail),
        date_created_gmt=T0,
        date_modified_gmt=T0,
    )


def order(
    oid: int,
    *,
    customer_id: int = 0,
    status: str = "processing",
    email: str = "guest@example.com",
    first: str = "Gus",
    paid: bool = True,
    refunds: tuple[StoreRefundLine, ...] = (),
    modified: datetime = T0,
) -> StoreOrder:
    return StoreOrder(
        id=oid,
        number=str(oid),
        status=status,
        currency="USD",
        total=Decimal("20.00"),
        customer_id=customer_id,
        billing=address(first, email),
        payment_method="cod",
        payment_method_title="Cash on delivery",
        transaction_id="",
        date_created_gmt=T0,
        date_modified_gmt=modified,
        date_paid_gmt=T0 + timedelta(minutes=1) if paid else None,
        date_completed_gmt=None,
        refunds=refunds,
    )


def refund(rid: int, order_id: int, amount: str = "5.00") -> StoreRefund:
    return StoreRefund(
        id=rid,
        order_id=order_id,
        amount=Decimal(amount),
        reason="",
        date_created_gmt=T0 + timedelta(hours=1),
    )

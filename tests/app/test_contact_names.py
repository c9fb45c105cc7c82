"""A registered customer's contact is decided by the customer record; orders only fill what it
lacks, whatever their age and whichever way they arrive (import, webhook, reconciliation)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.app.conftest import World, customer, order
from tests.app.test_live_sync import deliver, drain, live, order_body
from wooconnect.domain.crm import Contact, ContactKeys

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def contact_of(world: World, location: str, customer_id: int) -> Contact:
    async with world.uow() as uow:
        [contact] = await uow.contacts.find(
            location, ContactKeys(woocommerce_customer_ids=frozenset({customer_id}))
        )
    return contact


async def test_an_import_keeps_the_customers_name_over_their_orders_billing_names(
    world: World,
) -> None:
    world.store.customers_ = [customer(1)]
    world.store.orders_ = [order(10, customer_id=1, email="c1@example.com", first="Billing")]
    _agency, location = await world.agency_with_location()
    await world.connected(location)
    await world.run_queued()
    contact = await contact_of(world, location, 1)
    assert (contact.first_name, contact.last_name) == ("C1", "Doe")


async def test_a_registered_customers_order_fills_only_what_the_contact_lacks(
    world: World,
) -> None:
    nameless = customer(1)
    nameless = replace(nameless, first_name="", billing=replace(nameless.billing, first_name=""))
    world.store.customers_ = [nameless]
    world.store.orders_ = [order(10, customer_id=1, email="c1@example.com", first="Billing")]
    _agency, location = await world.agency_with_location()
    await world.connected(location)
    await world.run_queued()
    contact = await contact_of(world, location, 1)
    assert (contact.first_name, contact.last_name) == ("Billing", "Doe")


async def test_an_older_order_arriving_live_leaves_the_customers_name_and_nothing_to_repair(
    world: World,
) -> None:
    alice = replace(
        customer(42, email="alice@example.com"),
        first_name="Alice",
        last_name="Smith",
        date_modified_gmt=T0 + timedelta(hours=2),
    )
    world.store.customers_ = [alice]
    location, connection = await live(world)
    older = order_body(700, customer_id=42, email="alice@example.com", first="Alicia")
    await deliver(world, connection, "order.created", older)
    await drain(world)
    contact = await contact_of(world, location, 42)
    assert (contact.first_name, contact.last_name) == ("Alice", "Smith")
    assert await world.services.live_sync.reconcile(connection.id) == 0, "nothing to repair"
    contact = await contact_of(world, location, 42)
    assert (contact.first_name, contact.last_name) == ("Alice", "Smith")


async def test_a_contact_first_made_from_an_order_takes_the_customer_record_when_it_comes(
    world: World,
) -> None:
    location, connection = await live(world)
    placed = order_body(701, customer_id=43, email="bo@example.com", first="Billing")
    await deliver(world, connection, "order.created", placed)
    await drain(world)
    assert (await contact_of(world, location, 43)).first_name == "Billing"
    world.store.customers_ = [replace(customer(43, email="bo@example.com"), first_name="Bo")]
    assert await world.services.live_sync.reconcile(connection.id) >= 1
    assert (await contact_of(world, location, 43)).first_name == "Bo"

"""Subscribing, listing and unsubscribing: validation and tenancy."""

from __future__ import annotations

import pytest

from tests.subscriptions.conftest import SubscriberWorld
from wooconnect.app.auth import Principal
from wooconnect.app.errors import NotFound, ValidationFailed
from wooconnect.app.ports.persistence import PageRequest
from wooconnect.domain.triggers import TriggerType


async def test_a_subscription_gets_a_fresh_secret_that_is_kept_out_of_its_repr(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    first = await world.subscribe(location, ("order_submitted",))
    second = await world.subscribe(location, ("order_submitted",))
    assert first.secret.startswith("whsec_")
    assert len(first.secret) > 40
    assert first.secret != second.secret
    assert first.secret not in repr(first)
    assert first.events == (TriggerType.ORDER_SUBMITTED,)


async def test_invalid_url_and_events_are_refused_together_with_fields(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    with pytest.raises(ValidationFailed) as refused:
        await world.subscribe(location, ("order_refunded",), url="http://hooks.example.com/x")
    assert set(refused.value.fields) == {"url", "events"}
    assert "https" in refused.value.fields["url"]
    with pytest.raises(ValidationFailed) as empty:
        await world.subscribe(location, ())
    assert set(empty.value.fields) == {"events"}


async def test_an_unknown_location_is_not_found_before_validation(world: SubscriberWorld) -> None:
    with pytest.raises(NotFound):
        await world.subscribe("no-such-location", ())


async def test_another_agencys_key_finds_neither_the_location_nor_its_subscriptions(
    world: SubscriberWorld,
) -> None:
    _, location = await world.agency_with_location()
    other_agency, _ = await world.agency_with_location()
    subscription = await world.subscribe(location)
    stranger = Principal(agency_id=other_agency)
    with pytest.raises(NotFound):
        await world.subscribe(location, principal=stranger)
    with pytest.raises(NotFound):
        await world.subscriptions.list_for_location(stranger, location, PageRequest(limit=50))
    with pytest.raises(NotFound):
        await world.subscriptions.delete(stranger, location, subscription.id)


async def test_the_owning_agencys_key_may_manage_its_subscriptions(
    world: SubscriberWorld,
) -> None:
    agency, location = await world.agency_with_location()
    owner = Principal(agency_id=agency)
    created = await world.subscribe(location, principal=owner)
    page = await world.subscriptions.list_for_location(owner, location, PageRequest(limit=50))
    assert [v.subscription.id for v in page.items] == [created.id]
    await world.subscriptions.delete(owner, location, created.id)


async def test_a_deleted_subscription_is_no_longer_listed_and_deleting_again_is_not_found(
    world: SubscriberWorld,
) -> None:
    _agency, location = await world.agency_with_location()
    _, elsewhere = await world.agency_with_location()
    kept = await world.subscribe(location)
    gone = await world.subscribe(location)
    admin = Principal(agency_id=None)
    with pytest.raises(NotFound):
        await world.subscriptions.delete(admin, elsewhere, gone.id)
    await world.subscriptions.delete(admin, location, gone.id)
    page = await world.subscriptions.list_for_location(admin, location, PageRequest(limit=50))
    assert [v.subscription.id for v in page.items] == [kept.id]
    with pytest.raises(NotFound):
        await world.subscriptions.delete(admin, location, gone.id)


async def test_the_list_pages_newest_first_with_a_cursor(world: SubscriberWorld) -> None:
    _, location = await world.agency_with_location()
    ids = [(await world.subscribe(location)).id for _ in range(3)]
    admin = Principal(agency_id=None)
    first = await world.subscriptions.list_for_location(admin, location, PageRequest(limit=2))
    assert first.next_cursor is not None
    rest = await world.subscriptions.list_for_location(
        admin, location, PageRequest(first.next_cursor, 2)
    )
    assert rest.next_cursor is None
    assert [v.subscription.id for v in [*first.items, *rest.items]] == sorted(ids, reverse=True)

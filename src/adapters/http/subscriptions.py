"""Workflow subscribers of a location's trigger events: subscribe, list with delivery state,
unsubscribe."""

from __future__ import annotations

import msgspec
from litestar import delete, get, post
from litestar.params import FromPath, JSONBody

from wooconnect.adapters.http.deps import SUBSCRIPTIONS, Asked, Caller, Injected, listing
from wooconnect.adapters.http.guards import ApiController
from wooconnect.adapters.http.paging import created_only, page_of
from wooconnect.adapters.http.schemas import iso
from wooconnect.app.subscriptions import Subscriptions, SubscriptionView
from wooconnect.domain.subscriptions import TriggerSubscription


class SubscriptionIn(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    events: list[str]


class SubscriptionCreatedOut(msgspec.Struct):
    """The only response that carries the signing secret."""

    id: str
    url: str
    events: list[str]
    secret: str
    created_at: str | None

    @classmethod
    def of(cls, s: TriggerSubscription) -> SubscriptionCreatedOut:
        return cls(s.id, s.url, [e.value for e in s.events], s.secret, iso(s.created_at))


class DeliveryStateOut(msgspec.Struct):
    pending: int
    delivered: int
    failed: int
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None


class SubscriptionOut(msgspec.Struct):
    id: str
    url: str
    events: list[str]
    created_at: str | None
    deliveries: DeliveryStateOut

    @classmethod
    def of(cls, view: SubscriptionView) -> SubscriptionOut:
        s, stats = view.subscription, view.stats
        return cls(
            s.id,
            s.url,
            [e.value for e in s.events],
            iso(s.created_at),
            DeliveryStateOut(
                stats.pending,
                stats.delivered,
                stats.failed,
                iso(stats.last_attempt_at),
                stats.last_status_code,
                stats.last_error,
            ),
        )


class SubscriptionPage(msgspec.Struct):
    items: list[SubscriptionOut]
    next_cursor: str | None


class SubscriptionController(ApiController):
    path = "/api/v1/locations/{location_id:str}/trigger-subscriptions"
    tags = ["triggers"]
    dependencies = {**SUBSCRIPTIONS, **listing(created_only)}

    @post(
        operation_id="createTriggerSubscription",
        summary="Subscribe a URL to the location's trigger events; the secret is shown only here",
    )
    async def create(
        self,
        subscriptions: Injected[Subscriptions],
        principal: Caller,
        location_id: FromPath[str],
        data: JSONBody[SubscriptionIn],
    ) -> SubscriptionCreatedOut:
        created = await subscriptions.create(principal, location_id, data.url, data.events)
        return SubscriptionCreatedOut.of(created)

    @get(
        operation_id="listTriggerSubscriptions",
        summary="The location's subscriptions with the state of their deliveries, newest first",
    )
    async def list_subscriptions(
        self,
        subscriptions: Injected[Subscriptions],
        principal: Caller,
        location_id: FromPath[str],
        asked: Asked,
    ) -> SubscriptionPage:
        page = await subscriptions.list_for_location(principal, location_id, asked)
        return page_of(SubscriptionPage, SubscriptionOut.of, page)

    @delete(
        "/{subscription_id:str}",
        operation_id="deleteTriggerSubscription",
        summary="Stop delivering to a subscription",
    )
    async def remove(
        self,
        subscriptions: Injected[Subscriptions],
        principal: Caller,
        location_id: FromPath[str],
        subscription_id: FromPath[str],
    ) -> None:
        await subscriptions.delete(principal, location_id, subscription_id)

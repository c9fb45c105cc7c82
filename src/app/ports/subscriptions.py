"""Ports of the workflow subscribers: their repositories and the outgoing webhook sender."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from wooconnect.app.errors import AppError
from wooconnect.app.ports.persistence import Page, PageRequest
from wooconnect.domain.subscriptions import (
    DeliveryState,
    DeliveryStats,
    TriggerDelivery,
    TriggerSubscription,
)


class SubscriptionRepository(Protocol):
    """Trigger subscriptions; the implementation encrypts secrets at rest."""

    async def add(self, subscription: TriggerSubscription) -> None: ...

    async def get(self, subscription_id: str) -> TriggerSubscription | None:
        """The subscription, deleted or not."""
        ...

    async def save(self, subscription: TriggerSubscription) -> None: ...

    async def live_for_location(self, location_id: str) -> Sequence[TriggerSubscription]:
        """Every subscription of the location that is not deleted, oldest first."""
        ...

    async def list_live(self, location_id: str, page: PageRequest) -> Page[TriggerSubscription]: ...


class TriggerDeliveryRepository(Protocol):
    """Deliveries of trigger events to subscriptions, unique per (event, subscription)."""

    async def add_if_new(self, delivery: TriggerDelivery) -> bool:
        """Store the delivery unless its (event, subscription) has one; True when it was new."""
        ...

    async def get(self, delivery_id: str) -> TriggerDelivery | None: ...

    async def save(self, delivery: TriggerDelivery) -> None: ...

    async def claim(self, delivery_id: str, now: datetime, until: datetime) -> bool:
        """Atomically take a pending delivery that is due at `now` by moving its next attempt
        to `until`; False when it is not pending, not due, or another worker took it first.
        A worker that dies after claiming leaves it to be retried once `until` passes."""
        ...

    async def list_due(self, before: datetime, limit: int) -> Sequence[TriggerDelivery]:
        """Pending deliveries whose next attempt is at or before `before`, oldest first."""
        ...

    async def states_for_events(
        self, event_ids: Sequence[str]
    ) -> Mapping[str, Sequence[DeliveryState]]:
        """The states of each event's deliveries; events without any are absent."""
        ...

    async def stats_for_subscriptions(
        self, subscription_ids: Sequence[str]
    ) -> Mapping[str, DeliveryStats]:
        """Each subscription's deliveries by state and its latest attempt; subscriptions
        without deliveries are absent."""
        ...


class SubscriberUnreachable(AppError):
    """The subscriber could not be reached (connection error, timeout, refused address).
    Counted as a failed attempt and retried like a non-2xx answer."""

    code = "subscriber_unreachable"


class WebhookSender(Protocol):
    """POSTs one signed delivery. Raises `SubscriberUnreachable` when no HTTP answer came."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Send `body` with `headers` to `url` without following redirects; the status code."""
        ...

"""In-memory fakes of the workflow-subscriber repositories, used by `InMemoryUnitOfWork`.

They work on the unit of work's copies of the tables, so commit and rollback apply to them
like to every other fake repository.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from tests.fakes.listing import page as _page
from wooconnect.app.ports.persistence import Page, PageRequest
from wooconnect.domain.subscriptions import (
    DeliveryState,
    DeliveryStats,
    TriggerDelivery,
    TriggerSubscription,
)


class InMemorySubscriptionRepository:
    def __init__(self, table: dict[str, TriggerSubscription]) -> None:
        self._t = table

    async def add(self, subscription: TriggerSubscription) -> None:
        self._t[subscription.id] = subscription

    async def get(self, subscription_id: str) -> TriggerSubscription | None:
        return self._t.get(subscription_id)

    async def save(self, subscription: TriggerSubscription) -> None:
        if subscription.id not in self._t:
            raise LookupError(f"subscription {subscription.id} is not stored")
        self._t[subscription.id] = subscription

    async def live_for_location(self, location_id: str) -> Sequence[TriggerSubscription]:
        found = (s for s in self._t.values() if s.location_id == location_id and s.is_live)
        return sorted(found, key=lambda s: s.id)

    async def list_live(self, location_id: str, page: PageRequest) -> Page[TriggerSubscription]:
        return _page(await self.live_for_location(location_id), page)


class InMemoryTriggerDeliveryRepository:
    def __init__(self, table: dict[str, TriggerDelivery]) -> None:
        self._t = table

    async def add_if_new(self, delivery: TriggerDelivery) -> bool:
        key = (delivery.event_id, delivery.subscription_id)
        if any((d.event_id, d.subscription_id) == key for d in self._t.values()):
            return False
        self._t[delivery.id] = delivery
        return True

    async def get(self, delivery_id: str) -> TriggerDelivery | None:
        return self._t.get(delivery_id)

    async def save(self, delivery: TriggerDelivery) -> None:
        if delivery.id not in self._t:
            raise LookupError(f"trigger delivery {delivery.id} is not stored")
        self._t[delivery.id] = delivery

    async def claim(self, delivery_id: str, now: datetime, until: datetime) -> bool:
        found = self._t.get(delivery_id)
        if found is None or not found.is_due(now):
            return False
        self._t[delivery_id] = replace(found, next_attempt_at=until)
        return True

    async def list_due(self, before: datetime, limit: int) -> Sequence[TriggerDelivery]:
        due = [d for d in self._t.values() if d.is_due(before)]
        return sorted(due, key=lambda d: (d.next_attempt_at or d.created_at, d.id))[:limit]

    async def states_for_events(
        self, event_ids: Sequence[str]
    ) -> Mapping[str, Sequence[DeliveryState]]:
        wanted = set(event_ids)
        states: dict[str, list[DeliveryState]] = {}
        for delivery in sorted(self._t.values(), key=lambda d: d.id):
            if delivery.event_id in wanted:
                states.setdefault(delivery.event_id, []).append(delivery.status)
        return states

    async def stats_for_subscriptions(
        self, subscription_ids: Sequence[str]
    ) -> Mapping[str, DeliveryStats]:
        stats: dict[str, DeliveryStats] = {}
        for subscription_id in subscription_ids:
            mine = [d for d in self._t.values() if d.subscription_id == subscription_id]
            if mine:
                stats[subscription_id] = _stats(mine)
        return stats


def _stats(deliveries: Sequence[TriggerDelivery]) -> DeliveryStats:
    attempted = [d for d in deliveries if d.last_attempt_at is not None]
    latest = max(attempted, key=lambda d: (d.last_attempt_at, d.id), default=None)
    return DeliveryStats(
        pending=sum(d.status is DeliveryState.PENDING for d in deliveries),
        delivered=sum(d.status is DeliveryState.DELIVERED for d in deliveries),
        failed=sum(d.status is DeliveryState.FAILED for d in deliveries),
        last_attempt_at=None if latest is None else latest.last_attempt_at,
        last_status_code=None if latest is None else latest.last_status_code,
        last_error=None if latest is None else latest.last_error,
    )

"""Workflow subscribers: subscribing URLs to a location's trigger events, fanning each recorded
event out to them, and delivering it signed, with retries for at least 24 hours.

Delivery is at least once. Every event becomes one delivery row per matching subscription in
the transaction that records the event (the outbox), and the `triggers.deliver` task is sent
only after that commit. A worker claims a delivery atomically before it POSTs, so the task
arriving twice (a redelivered message, the sweeper) sends once; a worker dying between the POST
and recording the answer makes the subscriber see the event again, with the same event id.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime, timedelta

from wooconnect.app.auth import Principal, visible_location
from wooconnect.app.errors import NotFound, ValidationFailed
from wooconnect.app.ports.basics import Clock, JobQueue
from wooconnect.app.ports.persistence import Page, UnitOfWork, UnitOfWorkFactory
from wooconnect.app.ports.subscriptions import SubscriberUnreachable, WebhookSender
from wooconnect.app.tasks import TRIGGER_DELIVER
from wooconnect.app.trigger_payload import event_payload
from wooconnect.app.visible_pages import page_query
from wooconnect.domain.ids import new_id
from wooconnect.domain.subscriptions import (
    DeliveryState,
    DeliveryStats,
    InvalidSubscriberUrl,
    InvalidSubscriptionEvents,
    TriggerDelivery,
    TriggerSubscription,
    parse_events,
    parse_subscriber_url,
)
from wooconnect.domain.triggers import TriggerEvent
from wooconnect.domain.webhook_signing import delivery_headers

SECRET_PREFIX = "whsec_"  # noqa: S105  (a label in front of the secret, not a secret)
# How long a claimed delivery belongs to the worker sending it: well above the sender's timeout,
# so a slow subscriber is not sent the same event by a second worker meanwhile.
CLAIM_LEASE = timedelta(minutes=2)
# The sweeper leaves deliveries this long to their own delayed task before it sends another:
# it exists for lost messages, not to race the normal path.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription with its delivery state, as listed."""

    subscription: TriggerSubscription
    stats: DeliveryStats


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def _subscription_views(
    uow: UnitOfWork, live: Page[TriggerSubscription]
) -> Page[SubscriptionView]:
    stats = await uow.trigger_deliveries.stats_for_subscriptions([s.id for s in live.items])
    return live.map(lambda s: SubscriptionView(s, stats.get(s.id, DeliveryStats())))


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """The workflow-subscriber use cases. `fanout`, `deliver` and `retry_due` are what the
    live sync and the workers call; the others serve the HTTP API."""

    uow: UnitOfWorkFactory
    clock: Clock
    queue: JobQueue
    sender: WebhookSender
    _: KW_ONLY
    allow_insecure: bool
    jitter: Callable[[], float] = random.random

    # -- the API -----------------------------------------------------------------------------

    async def create(
        self, principal: Principal, location_id: str, url: str, events: Sequence[str]
    ) -> TriggerSubscription:
        """Subscribe `url` to the location's `events`; the result carries the new secret,
        which is shown to the caller only now."""
        fields: dict[str, str] = {}
        try:
            clean_url = parse_subscriber_url(url, allow_insecure=self.allow_insecure)
        except InvalidSubscriberUrl as exc:
            fields["url"] = str(exc)
        try:
            types = parse_events(events)
        except InvalidSubscriptionEvents as exc:
            fields["events"] = str(exc)
        async with self.uow() as uow:
            await visible_location(uow, principal, location_id)
            if fields:
                raise ValidationFailed("the subscription is not valid", fields)
            subscription = TriggerSubscription(
                id=new_id(),
                location_id=location_id,
                url=clean_url,
                events=types,
                secret=new_secret(),
                created_at=self.clock.now(),
            )
            await uow.subscriptions.add(subscription)
            await uow.commit()
        return subscription

    # `subscriptions.list_for_location(principal, location_id, page)`: the location's live
    # subscriptions, each with its deliveries counted by state.
    list_for_location = page_query(
        visible_location, lambda uow: uow.subscriptions.list_live, _subscription_views
    )

    async def delete(self, principal: Principal, location_id: str, subscription_id: str) -> None:
        """Stop delivering to a subscription; its pending deliveries are abandoned when their
        turn comes. Deleting it again, or from another location, is a 404."""
        async with self.uow() as uow:
            await visible_location(uow, principal, location_id)
            subscription = await uow.subscriptions.get(subscription_id)
            if (
                subscription is None
                or subscription.location_id != location_id
                or not subscription.is_live
            ):
                raise NotFound("subscription not found")
            await uow.subscriptions.save(replace(subscription, deleted_at=self.clock.now()))
            await uow.commit()

    # -- the outbox and the workers ----------------------------------------------------------

    async def fanout(self, uow: UnitOfWork, event: TriggerEvent) -> None:
        """The live sync's hook, called in the transaction that records `event`: one delivery
        per live subscription of the location that wants the event's type, each sent to the
        workers once the transaction commits."""
        wanted = [
            s
            for s in await uow.subscriptions.live_for_location(event.location_id)
            if s.wants(event.type)
        ]
        if not wanted:
            return
        body = event_payload(event, await uow.orders.get(event.order_id))
        now = self.clock.now()
        for subscription in wanted:
            delivery = TriggerDelivery(
                id=new_id(),
                event_id=event.id,
                subscription_id=subscription.id,
                event_type=event.type,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            if await uow.trigger_deliveries.add_if_new(delivery):
                uow.after_commit(self._enqueue_later(delivery.id))

    async def deliver(self, delivery_id: str) -> None:
        """The `triggers.deliver` task: POST the delivery, signed, and record the answer. A
        2xx delivers it; anything else schedules the next attempt (and enqueues it with that
        delay) until the retry window has passed. A delivery that is not due, or that another
        worker holds, is left alone."""
        now = self.clock.now()
        async with self.uow() as uow:
            delivery = await uow.trigger_deliveries.get(delivery_id)
            if delivery is None or not delivery.is_due(now):
                return
            subscription = await uow.subscriptions.get(delivery.subscription_id)
            if subscription is None or not subscription.is_live:
                await uow.trigger_deliveries.save(
                    delivery.abandoned(now, "the subscription was deleted")
                )
                await uow.commit()
                return
            if not await uow.trigger_deliveries.claim(delivery_id, now, now + CLAIM_LEASE):
                return
            await uow.commit()
        # No transaction is held open while a subscriber takes its time to answer.
        status, error = await self._post(subscription, delivery)
        async with self.uow() as uow:
            attempted = self.clock.now()
            if status is not None and 200 <= status < 300:
                outcome = delivery.succeeded(attempted, status)
            else:
                outcome = delivery.attempt_failed(
                    attempted, status_code=status, error=error, jitter=self.jitter()
                )
            await uow.trigger_deliveries.save(outcome)
            if outcome.status is DeliveryState.PENDING and outcome.next_attempt_at is not None:
                delay = (outcome.next_attempt_at - attempted).total_seconds()
                uow.after_commit(self._enqueue_later(outcome.id, delay))
            await uow.commit()

    async def retry_due(self, now: datetime | None = None) -> int:
        """The periodic sweeper: re-send the task of every pending delivery whose attempt is
        overdue (its message was lost, or its worker died). Returns how many were sent."""
        now = now or self.clock.now()
        async with self.uow() as uow:
            due = await uow.trigger_deliveries.list_due(now - SWEEP_GRACE, SWEEP_LIMIT)
        for delivery in due:
            await self.queue.enqueue(TRIGGER_DELIVER, delivery.id)
        return len(due)

    async def _post(
        self, subscription: TriggerSubscription, delivery: TriggerDelivery
    ) -> tuple[int | None, str]:
        timestamp = int(self.clock.now().timestamp())
        headers = delivery_headers(
            subscription.secret,
            event_id=delivery.event_id,
            event_type=delivery.event_type.value,
            timestamp=timestamp,
            body=delivery.body,
        )
        try:
            status = await self.sender.post(subscription.url, delivery.body, headers)
        except SubscriberUnreachable as exc:
            return None, exc.message
        return status, f"the subscriber answered {status}"

    def _enqueue_later(
        self, delivery_id: str, delay_s: float = 0.0
    ) -> Callable[[], Awaitable[None]]:
        async def enqueue() -> None:
            await self.queue.enqueue(TRIGGER_DELIVER, delivery_id, delay_s=max(delay_s, 0.0))

        return enqueue

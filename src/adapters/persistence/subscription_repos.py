"""Repositories of trigger subscriptions (secrets encrypted at rest) and their deliveries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wooconnect.adapters.persistence.crm_repos import _insert
from wooconnect.adapters.persistence.listing import page_of_rows
from wooconnect.adapters.persistence.models import TriggerDeliveryRow, TriggerSubscriptionRow
from wooconnect.adapters.persistence.records import record_of, values_of
from wooconnect.app.ports.basics import Cipher
from wooconnect.app.ports.persistence import Page, PageRequest
from wooconnect.domain.subscriptions import (
    DeliveryState,
    DeliveryStats,
    TriggerDelivery,
    TriggerSubscription,
)
from wooconnect.domain.triggers import TriggerType


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession, cipher: Cipher) -> None:
        self._s = session
        self._cipher = cipher
        self._live_by_location: dict[str, list[TriggerSubscription]] = {}

    def forget(self) -> None:
        """Drop what was read in the transaction that ended (it may be stale now)."""
        self._live_by_location.clear()

    async def add(self, subscription: TriggerSubscription) -> None:
        self._live_by_location.clear()
        row = TriggerSubscriptionRow(id=subscription.id)
        self._fill(row, subscription)
        self._s.add(row)
        await self._s.flush()

    async def get(self, subscription_id: str) -> TriggerSubscription | None:
        row = await self._s.get(TriggerSubscriptionRow, subscription_id)
        return None if row is None else self._to_domain(row)

    async def save(self, subscription: TriggerSubscription) -> None:
        self._live_by_location.clear()
        row = await self._s.get(TriggerSubscriptionRow, subscription.id)
        if row is None:
            raise LookupError(f"subscription {subscription.id} is not stored")
        self._fill(row, subscription)
        await self._s.flush()

    async def live_for_location(self, location_id: str) -> Sequence[TriggerSubscription]:
        """Read once per unit of work and location (every trigger of a batch of deliveries
        asks); a change made through this repository reads them again."""
        known = self._live_by_location.get(location_id)
        if known is None:
            query = self._live(location_id).order_by(TriggerSubscriptionRow.id)
            known = [self._to_domain(r) for r in await self._s.scalars(query)]
            self._live_by_location[location_id] = known
        return list(known)

    async def list_live(self, location_id: str, page: PageRequest) -> Page[TriggerSubscription]:
        rows = await page_of_rows(self._s, self._live(location_id), TriggerSubscriptionRow, page)
        return rows.map(self._to_domain)

    @staticmethod
    def _live(location_id: str) -> Select[Any]:
        return select(TriggerSubscriptionRow).where(
            TriggerSubscriptionRow.location_id == location_id,
            TriggerSubscriptionRow.deleted_at.is_(None),
        )

    def _fill(self, row: TriggerSubscriptionRow, subscription: TriggerSubscription) -> None:
        row.location_id = subscription.location_id
        row.url = subscription.url
        row.events = [e.value for e in subscription.events]
        row.secret_enc = self._cipher.encrypt(subscription.secret)
        row.created_at = subscription.created_at
        row.deleted_at = subscription.deleted_at

    def _to_domain(self, row: TriggerSubscriptionRow) -> TriggerSubscription:
        return TriggerSubscription(
            id=row.id,
            location_id=row.location_id,
            url=row.url,
            events=tuple(TriggerType(e) for e in row.events),
            secret=self._cipher.decrypt(row.secret_enc),
            created_at=row.created_at,
            deleted_at=row.deleted_at,
        )


class SqlTriggerDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add_if_new(self, delivery: TriggerDelivery) -> bool:
        result = await self._s.execute(
            _insert(self._s, TriggerDeliveryRow)
            .values(**values_of(delivery))
            .on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
            .returning(TriggerDeliveryRow.id)
        )
        return result.scalar_one_or_none() is not None

    async def get(self, delivery_id: str) -> TriggerDelivery | None:
        row = await self._s.get(TriggerDeliveryRow, delivery_id)
        return None if row is None else record_of(TriggerDelivery, row)

    async def save(self, delivery: TriggerDelivery) -> None:
        row = await self._s.get(TriggerDeliveryRow, delivery.id)
        if row is None:
            raise LookupError(f"trigger delivery {delivery.id} is not stored")
        for name, value in self._state(delivery).items():
            setattr(row, name, value)
        await self._s.flush()

    async def claim(self, delivery_id: str, now: datetime, until: datetime) -> bool:
        # One conditional UPDATE: of two workers racing for the same delivery, the database
        # lets exactly one match the row.
        result = await self._s.execute(
            update(TriggerDeliveryRow)
            .where(
                TriggerDeliveryRow.id == delivery_id,
                TriggerDeliveryRow.status == DeliveryState.PENDING.value,
                or_(
                    TriggerDeliveryRow.next_attempt_at.is_(None),
                    TriggerDeliveryRow.next_attempt_at <= now,
                ),
            )
            .values(next_attempt_at=until)
            .execution_options(synchronize_session=False)
        )
        claimed: int = result.rowcount  # type: ignore[attr-defined]
        return claimed == 1

    async def list_due(self, before: datetime, limit: int) -> Sequence[TriggerDelivery]:
        rows = await self._s.scalars(
            select(TriggerDeliveryRow)
            .where(
                TriggerDeliveryRow.status == DeliveryState.PENDING.value,
                or_(
                    TriggerDeliveryRow.next_attempt_at.is_(None),
                    TriggerDeliveryRow.next_attempt_at <= before,
                ),
            )
            .order_by(
                func.coalesce(TriggerDeliveryRow.next_attempt_at, TriggerDeliveryRow.created_at),
                TriggerDeliveryRow.id,
            )
            .limit(limit)
        )
        return [record_of(TriggerDelivery, r) for r in rows]

    async def states_for_events(
        self, event_ids: Sequence[str]
    ) -> Mapping[str, Sequence[DeliveryState]]:
        if not event_ids:
            return {}
        rows = await self._s.execute(
            select(TriggerDeliveryRow.event_id, TriggerDeliveryRow.status)
            .where(TriggerDeliveryRow.event_id.in_(list(event_ids)))
            .order_by(TriggerDeliveryRow.id)
        )
        states: dict[str, list[DeliveryState]] = {}
        for event_id, status in rows:
            states.setdefault(event_id, []).append(DeliveryState(status))
        return states

    async def stats_for_subscriptions(
        self, subscription_ids: Sequence[str]
    ) -> Mapping[str, DeliveryStats]:
        if not subscription_ids:
            return {}
        ids = list(subscription_ids)
        counts: dict[str, dict[str, int]] = {}
        grouped = await self._s.execute(
            select(
                TriggerDeliveryRow.subscription_id,
                TriggerDeliveryRow.status,
                func.count(),
            )
            .where(TriggerDeliveryRow.subscription_id.in_(ids))
            .group_by(TriggerDeliveryRow.subscription_id, TriggerDeliveryRow.status)
        )
        for subscription_id, status, count in grouped:
            counts.setdefault(subscription_id, {})[status] = count
        stats: dict[str, DeliveryStats] = {}
        for subscription_id, by_status in counts.items():
            # Subscriptions per location are few, so one small query each is fine here.
            latest = await self._s.scalar(
                select(TriggerDeliveryRow)
                .where(
                    TriggerDeliveryRow.subscription_id == subscription_id,
                    TriggerDeliveryRow.last_attempt_at.is_not(None),
                )
                .order_by(TriggerDeliveryRow.last_attempt_at.desc(), TriggerDeliveryRow.id.desc())
                .limit(1)
            )
            stats[subscription_id] = DeliveryStats(
                pending=by_status.get(DeliveryState.PENDING.value, 0),
                delivered=by_status.get(DeliveryState.DELIVERED.value, 0),
                failed=by_status.get(DeliveryState.FAILED.value, 0),
                last_attempt_at=None if latest is None else latest.last_attempt_at,
                last_status_code=None if latest is None else latest.last_status_code,
                last_error=None if latest is None else latest.last_error,
            )
        return stats

    @staticmethod
    def _state(delivery: TriggerDelivery) -> dict[str, object]:
        return {
            "status": delivery.status.value,
            "attempts": delivery.attempts,
            "next_attempt_at": delivery.next_attempt_at,
            "last_attempt_at": delivery.last_attempt_at,
            "last_status_code": delivery.last_status_code,
            "last_error": delivery.last_error,
            "delivered_at": delivery.delivered_at,
        }

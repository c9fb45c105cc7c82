"""Applying what the store says to the CRM: one path for imports, webhooks and reconciliation,
so every source maps records the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from app.policy import Policy, Ruled
from app.ports.basics import Clock
from app.ports.persistence import UnitOfWork, Upserted
from domain.connection import Connection
from domain.crm import (
    Contact,
    ContactDraft,
    Order,
    OrderDraft,
    TransactionDraft,
    TransactionKind,
)
from domain.decisions import DecisionRecord
from domain.store import StoreCustomer, StoreOrder, StoreRefund

# Orders that are not orders yet (an open checkout) or that the merchant threw away.
NOT_YET_ORDERS = frozenset({"checkout-draft", "draft", "auto-draft"})


@dataclass
class Applied:
    """What applying one record did, for counting and for the trigger decisions."""

    contact: Upserted[Contact] | None = None
    order: Upserted[Order] | None = None
    skipped_reason: str | None = None
    decisions: list[DecisionRecord] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.skipped_reason is not None


def charge_ref(order_id: int) -> str:
    return f"order:{order_id}"


def refund_ref(refund_id: int) -> str:
    return f"refund:{refund_id}"


class Applier:
    def __init__(self, policy: Policy, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock

    def _log(
        self, applied: Applied, ruled: Ruled, connection: Connection, kind: str, record_id: int
    ) -> None:
        applied.decisions.append(
            ruled.record(
                connection_id=connection.id,
                record_type=kind,
                record_id=str(record_id),
                now=self._clock.now(),
            )
        )

    async def preload_customers(
        self, uow: UnitOfWork, connection: Connection, customers: Sequence[StoreCustomer]
    ) -> None:
        """Read the contacts a page of customers resolves to, in one go."""
        await uow.contacts.preload(
            connection.location_id,
            woocommerce_customer_ids=[c.id for c in customers],
            emails=[c.email or c.billing.email for c in customers],
            phones=[c.billing.phone for c in customers],
        )

    async def preload_orders(
        self,
        uow: UnitOfWork,
        connection: Connection,
        orders: Sequence[StoreOrder],
        *,
        with_refund_lines: bool,
    ) -> None:
        """Read the contacts, orders and transactions a page of orders touches, in one go."""
        live = [order for order in orders if order.status not in NOT_YET_ORDERS]
        location = connection.location_id
        await uow.contacts.preload(
            location,
            woocommerce_customer_ids=[o.customer_id for o in live if not o.is_guest],
            emails=[o.billing.email for o in live],
            phones=[o.billing.phone for o in live],
        )
        await uow.orders.preload(location, [o.id for o in live])
        refs = [charge_ref(o.id) for o in live]
        if with_refund_lines:
            refs.extend(refund_ref(line.id) for o in live for line in o.refunds)
        await uow.transactions.preload(location, refs)

    async def preload_refunds(
        self, uow: UnitOfWork, connection: Connection, refunds: Sequence[StoreRefund]
    ) -> None:
        """Read the orders and transactions a page of refunds touches, in one go."""
        await uow.orders.preload(connection.location_id, [r.order_id for r in refunds])
        await uow.transactions.preload(connection.location_id, [refund_ref(r.id) for r in refunds])

    async def apply_customer(
        self, uow: UnitOfWork, connection: Connection, customer: StoreCustomer
    ) -> Applied:
        """A registered customer: imported when the eligibility rules say so."""
        applied = Applied()
        eligibility = self._policy.eligibility(customer, connection.agency_id)
        if not eligibility.eligible:
            applied.skipped_reason = eligibility.reason or "not eligible"
            self._log(applied, eligibility, connection, "customer", customer.id)
            return applied
        draft = ContactDraft(
            woocommerce_customer_id=customer.id,
            email=customer.email or customer.billing.email or None,
            phone=customer.billing.phone or None,
            first_name=customer.first_name or customer.billing.first_name,
            last_name=customer.last_name or customer.billing.last_name,
            is_guest=False,
            source_modified_at=customer.date_modified_gmt,
        )
        applied.contact = await uow.contacts.upsert(connection.location_id, draft)
        return applied

    async def apply_order(
        self,
        uow: UnitOfWork,
        connection: Connection,
        order: StoreOrder,
        *,
        contacts_on: bool,
        with_order: bool = True,
        with_transactions: bool,
        with_refund_lines: bool = True,
        deleted: bool = False,
        log_mapping: bool = True,
    ) -> Applied:
        """An order, its contact (registered or guest, per the rules) and, when asked, its
        charge and refunds."""
        applied = Applied()
        if order.status in NOT_YET_ORDERS:
            applied.skipped_reason = f"a {order.status} order is not an order yet"
            return applied
        resolved = await uow.contacts.resolve(
            connection.location_id,
            woocommerce_customer_id=None if order.is_guest else order.customer_id,
            email=order.billing.email or None,
            phone=order.billing.phone or None,
        )
        contact_policy = self._policy.order_contact(
            order,
            contacts_on=contacts_on,
            orders_on=True,
            resolved_is_guest=None if resolved is None else resolved.is_guest,
            agency_id=connection.agency_id,
        )
        contact_id: str | None = None if resolved is None else resolved.id
        if contact_policy.create or (resolved is not None and contact_policy.update):
            applied.contact = await uow.contacts.upsert(
                connection.location_id,
                ContactDraft(
                    woocommerce_customer_id=None if order.is_guest else order.customer_id,
                    email=order.billing.email or None,
                    phone=order.billing.phone or None,
                    first_name=order.billing.first_name,
                    last_name=order.billing.last_name,
                    is_guest=order.is_guest,
                    # The order's time is no version of the customer's record.
                    source_modified_at=None,
                ),
                update_existing=contact_policy.update,
            )
            contact_id = applied.contact.value.id
        mapping = self._policy.order_status(order, connection.agency_id)
        if log_mapping:
            self._log(applied, mapping, connection, "order", order.id)
        if not (with_order or with_transactions):
            return applied
        applied.order = await uow.orders.upsert(
            connection.location_id,
            OrderDraft(
                woocommerce_order_id=order.id,
                number=order.number,
                contact_id=contact_id,
                status=mapping.status,
                store_status=order.status,
                currency=order.currency,
                total=order.total,
                paid_at=order.date_paid_gmt,
                placed_at=order.date_created_gmt,
                source_modified_at=order.date_modified_gmt,
                deleted=deleted,
            ),
        )
        if with_transactions:
            await self._order_transactions(
                uow, connection, order, applied.order.value, with_refund_lines
            )
        return applied

    async def _order_transactions(
        self,
        uow: UnitOfWork,
        connection: Connection,
        order: StoreOrder,
        stored: Order,
        with_refund_lines: bool,
    ) -> None:
        if stored.paid_at is not None:
            await uow.transactions.upsert(
                connection.location_id,
                TransactionDraft(
                    woocommerce_ref=charge_ref(order.id),
                    order_id=stored.id,
                    contact_id=stored.contact_id,
                    kind=TransactionKind.CHARGE,
                    amount=order.total,
                    currency=order.currency,
                    payment_method=order.payment_method_title or order.payment_method,
                    occurred_at=stored.paid_at,
                ),
            )
        for line in order.refunds if with_refund_lines else ():
            await uow.transactions.upsert(
                connection.location_id,
                TransactionDraft(
                    woocommerce_ref=refund_ref(line.id),
                    order_id=stored.id,
                    contact_id=stored.contact_id,
                    kind=TransactionKind.REFUND,
                    amount=abs(line.amount),
                    currency=order.currency,
                    payment_method=order.payment_method_title or order.payment_method,
                    # The order's refund list carries no dates; the update that listed it does.
                    occurred_at=order.date_modified_gmt,
                ),
            )

    async def apply_refund(
        self, uow: UnitOfWork, connection: Connection, refund: StoreRefund
    ) -> bool:
        """A refund from `/refunds`; False when its order is not in the CRM."""
        order = await uow.orders.get_by_woocommerce_id(connection.location_id, refund.order_id)
        if order is None:
            return False
        await uow.transactions.upsert(
            connection.location_id,
            TransactionDraft(
                woocommerce_ref=refund_ref(refund.id),
                order_id=order.id,
                contact_id=order.contact_id,
                kind=TransactionKind.REFUND,
                amount=abs(refund.amount),
                currency=order.currency,
                payment_method="",
                occurred_at=refund.date_created_gmt,
            ),
        )
        return True

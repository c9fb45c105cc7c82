"""Which version of an order wins, and what a version keeps of the stored order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from wooconnect.domain.crm import CrmOrderStatus, Order, OrderDraft

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
NOW = T0 + timedelta(days=1)


def version(
    modified: datetime | None,
    status: CrmOrderStatus = CrmOrderStatus.PENDING,
    *,
    contact_id: str | None = "contact-1",
    paid_at: datetime | None = None,
    deleted: bool = False,
) -> OrderDraft:
    return OrderDraft(
        woocommerce_order_id=15,
        number="15",
        contact_id=contact_id,
        status=status,
        store_status=status.value,
        currency="USD",
        total=Decimal("12.50"),
        paid_at=paid_at,
        placed_at=T0,
        source_modified_at=modified,
        deleted=deleted,
    )


def stored(modified: datetime | None = T0, **changes: object) -> Order:
    return Order.create("loc", version(modified, **changes), T0)  # type: ignore[arg-type]


def test_a_new_order_takes_the_store_version() -> None:
    made = stored(T0)
    assert (made.woocommerce_order_id, made.status, made.source_subtype) == (
        15,
        CrmOrderStatus.PENDING,
        "woocommerce",
    )


def test_a_newer_version_is_applied() -> None:
    applied = stored(T0).apply(version(LATER, CrmOrderStatus.COMPLETED), NOW)
    assert applied.status is CrmOrderStatus.COMPLETED
    assert applied.source_modified_at == LATER
    assert applied.updated_at == NOW


def test_an_older_version_changes_nothing() -> None:
    order = stored(LATER)
    assert order.apply(version(T0, CrmOrderStatus.CANCELLED), NOW) is order


def test_the_same_version_with_the_same_data_changes_nothing() -> None:
    order = stored(T0)
    assert order.apply(version(T0), NOW) is order


def test_the_same_version_with_other_data_is_a_change_within_that_second() -> None:
    applied = stored(T0).apply(version(T0, CrmOrderStatus.COMPLETED), NOW)
    assert applied.status is CrmOrderStatus.COMPLETED


def test_a_version_without_a_contact_keeps_the_orders_contact() -> None:
    applied = stored(T0).apply(version(LATER, contact_id=None), NOW)
    assert applied.contact_id == "contact-1"


def test_the_first_payment_date_seen_is_kept() -> None:
    first = T0 + timedelta(minutes=1)
    paid = stored(T0, paid_at=first)
    assert paid.apply(version(LATER, paid_at=LATER), NOW).paid_at == first
    assert paid.apply(version(LATER, paid_at=None), NOW).paid_at == first
    assert stored(T0).apply(version(LATER, paid_at=LATER), NOW).paid_at == LATER


def test_an_order_is_marked_deleted_and_restored_never_removed() -> None:
    order = stored(T0)
    trashed = order.mark_deleted(True, NOW)
    assert trashed.deleted
    assert trashed.mark_deleted(True, NOW) is trashed
    assert not trashed.mark_deleted(False, NOW).deleted

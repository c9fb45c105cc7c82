"""A transaction is what its order or refund says last."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from wooconnect.domain.crm import (
    CrmOrderStatus,
    Order,
    OrderDraft,
    Transaction,
    TransactionDraft,
    TransactionKind,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)

CHARGE = TransactionDraft(
    "order:16", "order-1", "contact-1", TransactionKind.CHARGE, Decimal("12.50"), "USD", "", T0
)


def test_a_new_transaction_takes_the_draft() -> None:
    made = Transaction.create("loc", CHARGE, T0)
    assert (made.woocommerce_ref, made.amount) == ("order:16", Decimal("12.50"))
    assert made.created_at == T0


def test_the_same_transaction_again_changes_nothing() -> None:
    made = Transaction.create("loc", CHARGE, T0)
    assert made.apply(CHARGE) is made


def test_a_changed_amount_is_taken_and_the_transaction_keeps_its_identity() -> None:
    made = Transaction.create("loc", CHARGE, T0)
    changed = made.apply(replace(CHARGE, amount=Decimal("13.00")))
    assert changed.amount == Decimal("13.00")
    assert (changed.id, changed.created_at) == (made.id, made.created_at)


def test_charges_and_refunds_are_paid_through_their_order_s_payment_method() -> None:
    order = Order.create(
        "loc",
        OrderDraft(
            woocommerce_order_id=16,
            number="16",
            contact_id="contact-1",
            status=CrmOrderStatus.COMPLETED,
            store_status="completed",
            currency="EUR",
            total=Decimal("12.50"),
            paid_at=T0,
            placed_at=T0,
            source_modified_at=T0,
            payment_method="Direct bank transfer",
        ),
        T0,
    )

    charge = TransactionDraft.charge(order, Decimal("12.50"))
    imported = TransactionDraft.refund(order, 3, Decimal("5.00"), occurred_at=T0)
    listed = TransactionDraft.refund(order, 3, Decimal("-5.00"), occurred_at=T0)

    assert charge.payment_method == "Direct bank transfer"
    assert imported == listed
    assert (imported.payment_method, imported.amount, imported.currency) == (
        "Direct bank transfer",
        Decimal("5.00"),
        "EUR",
    )

"""The product's business rules, as the shipped rule files decide them."""

from __future__ import annotations

import pytest

from tests.rules.conftest import SHIPPED_RULES
from wooconnect.adapters.rules_yaml import load_rule_book
from wooconnect.app.ports.rules import RULE_SET_IDS
from wooconnect.domain.rules import RuleBook


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rule_book(SHIPPED_RULES)


def test_every_rule_set_the_app_uses_is_shipped(book: RuleBook) -> None:
    assert set(RULE_SET_IDS) == set(book.ids())


@pytest.mark.parametrize(
    ("status", "crm_status"),
    [
        ("completed", "completed"),
        ("refunded", "completed"),
        ("cancelled", "cancelled"),
        ("failed", "cancelled"),
        ("pending", "pending"),
        ("processing", "pending"),
        ("on-hold", "pending"),
        ("checkout-draft", "pending"),
        ("some-plugin-status", "pending"),
    ],
)
def test_order_status_mapping(book: RuleBook, status: str, crm_status: str) -> None:
    assert book.evaluate("order_status", {"order.status": status}).decision == crm_status


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("checkout-draft", "not_an_order"),
        ("draft", "not_an_order"),
        ("auto-draft", "not_an_order"),
        ("processing", "paid"),
        ("completed", "paid"),
        ("pending", "unpaid"),
        ("on-hold", "unpaid"),
        ("refunded", "unpaid"),
        ("trash", "unpaid"),
        ("some-plugin-status", "unpaid"),
    ],
)
def test_drafts_are_not_orders_yet_and_processing_or_completed_orders_are_paid(
    book: RuleBook, status: str, stage: str
) -> None:
    assert book.evaluate("order_stage", {"order.status": status}).decision == stage


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("customer", "imported"),
        ("subscriber", "imported"),
        ("administrator", "skipped"),
        ("editor", "skipped"),
    ],
)
def test_customers_and_subscribers_are_imported(book: RuleBook, role: str, outcome: str) -> None:
    facts = {"customer.role": role, "customer.email": "x@example.com"}
    evaluation = book.evaluate("customer_eligibility", facts)
    assert evaluation.outcome == outcome
    if outcome == "skipped":
        assert evaluation.message == "only customers and subscribers are imported"


def test_guest_contact_is_never_updated(book: RuleBook) -> None:
    guest = book.evaluate("guest_handling", {"order.customer_id": 0, "contact.is_guest": None})
    assert guest.decision == {
        "is_guest": True,
        "source": "billing",
        "create_contact": True,
        "update_contact": False,
    }
    later = book.evaluate("guest_handling", {"order.customer_id": 5, "contact.is_guest": True})
    assert later.decision["update_contact"] is False


def test_order_contact_is_created_with_contact_sync_off(book: RuleBook) -> None:
    facts = {"sync.contacts": False, "sync.orders": True, "order.is_guest": False}
    assert book.evaluate("order_contact", facts).decision == {
        "create_contact": True,
        "update_contact": False,
    }


def _submitted(**changes: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "event.source": "live",
        "order.first_seen": True,
        "order.status": "processing",
        "sync.order_submitted_trigger": True,
    }
    facts.update({key.replace("__", "."): value for key, value in changes.items()})
    return facts


@pytest.mark.parametrize(
    ("facts", "fires"),
    [
        (_submitted(), True),
        (_submitted(event__source="import"), False),
        (_submitted(order__first_seen=False), False),
        (_submitted(order__status="checkout-draft"), False),
        (_submitted(sync__order_submitted_trigger=False), False),
    ],
)
def test_order_submitted_fires_for_new_live_orders_only(
    book: RuleBook, facts: dict[str, object], fires: bool
) -> None:
    evaluation = book.evaluate("order_submitted_trigger", facts)
    assert evaluation.decision is fires
    assert evaluation.outcome == ("fire" if fires else "no_fire")


def _paid(**changes: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "event.source": "live",
        "order.was_paid": False,
        "order.date_paid_gmt": None,
        "order.status": "pending",
        "order.previous_status": "pending",
        "sync.payment_received_trigger": True,
    }
    facts.update({key.replace("__", "."): value for key, value in changes.items()})
    return facts


@pytest.mark.parametrize(
    ("facts", "fires"),
    [
        (_paid(order__date_paid_gmt="2024-01-01T00:00:00"), True),
        (_paid(order__status="processing", order__previous_status="on-hold"), True),
        (
            _paid(
                order__status="completed", order__previous_status="processing", order__was_paid=True
            ),
            False,
        ),
        (_paid(), False),
        (_paid(order__date_paid_gmt="2024-01-01T00:00:00", event__source="import"), False),
        (
            _paid(order__date_paid_gmt="2024-01-01T00:00:00", sync__payment_received_trigger=False),
            False,
        ),
    ],
)
def test_payment_received_fires_once_when_an_order_becomes_paid(
    book: RuleBook, facts: dict[str, object], fires: bool
) -> None:
    assert book.evaluate("payment_received_trigger", facts).decision is fires


def test_connection_criteria_collect_every_refusal(book: RuleBook) -> None:
    same_agency = {
        "agency.id": "a1",
        "agency.linked_domains": ["shop.example"],
        "store.domain": "shop.example",
        "store.linked_agencies": ["a1"],
    }
    assert book.evaluate("connection_criteria", same_agency).outcome == "allowed"
    both = {
        "agency.id": "a2",
        "agency.linked_domains": ["mine.example"],
        "store.domain": "shop.example",
        "store.linked_agencies": ["a1"],
    }
    refused = book.evaluate("connection_criteria", both)
    assert refused.outcome == "refused"
    assert [item["id"] for item in refused.decision] == [
        "agency_has_another_store",
        "store_has_another_agency",
    ]

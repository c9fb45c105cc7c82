"""What a customer record and an order change of a contact."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from wooconnect.domain.crm import Contact, ContactDraft

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
NOW = T0 + timedelta(days=1)


def customer_record(
    version: datetime | None,
    *,
    first: str = "Alice",
    last: str = "Smith",
    email: str | None = "alice@example.com",
    phone: str | None = None,
) -> ContactDraft:
    return ContactDraft(7, email, phone, first, last, is_guest=False, source_modified_at=version)


def order_billing(
    first: str, last: str, *, email: str | None = "alice@example.com", phone: str | None = None
) -> ContactDraft:
    return ContactDraft(7, email, phone, first, last, is_guest=False)


def registered(version: datetime | None = T0, **changes: object) -> Contact:
    return Contact.create("loc", customer_record(version, **changes), T0)  # type: ignore[arg-type]


def test_a_new_contact_keeps_the_details_trimmed_and_empty_ones_as_none() -> None:
    draft = ContactDraft(None, "  bob@example.com ", "   ", "Bob", "B", is_guest=True)
    made = Contact.create("loc", draft, T0)
    assert (made.email, made.phone, made.is_guest) == ("bob@example.com", None, True)
    assert made.created_at == made.updated_at == T0


def test_a_new_contact_is_made_without_an_email_another_contact_holds() -> None:
    made = Contact.create("loc", customer_record(T0), T0, email_free=False)
    assert made.email is None
    assert made.woocommerce_customer_id == 7


def test_a_newer_customer_record_updates_names_phone_and_email() -> None:
    stored = registered(T0)
    merged = stored.merge(
        customer_record(LATER, first="Alicia", email="ALICIA@example.com", phone="555 0100"), NOW
    )
    assert (merged.first_name, merged.email, merged.phone) == (
        "Alicia",
        "ALICIA@example.com",
        "555 0100",
    )
    assert merged.source_modified_at == LATER
    assert merged.updated_at == NOW


def test_an_older_contact_version_never_overwrites_a_newer_one() -> None:
    stored = registered(LATER)
    assert stored.merge(customer_record(T0, first="Old", email="old@example.com"), NOW) is stored


def test_the_same_version_with_the_same_data_changes_nothing() -> None:
    stored = registered(T0)
    assert stored.merge(customer_record(T0), NOW) is stored


def test_the_same_version_with_other_data_is_a_change_within_that_second() -> None:
    stored = registered(T0)
    merged = stored.merge(customer_record(T0, first="Alicia", phone="555 0100"), NOW)
    assert (merged.first_name, merged.phone) == ("Alicia", "555 0100")
    assert merged.source_modified_at == T0
    assert merged.updated_at == NOW


def test_the_same_version_in_another_spelling_changes_nothing() -> None:
    stored = registered(T0, phone="555 0100")
    same = customer_record(T0, first="", email="ALICE@example.com ", phone=" 555 0100 ")
    assert stored.merge(same, NOW) is stored


def test_a_record_with_nothing_new_changes_nothing() -> None:
    stored = registered(None)
    assert stored.merge(customer_record(None), NOW) is stored


def test_empty_names_in_a_record_keep_the_stored_ones() -> None:
    merged = registered(T0).merge(customer_record(LATER, first="", last=""), NOW)
    assert (merged.first_name, merged.last_name) == ("Alice", "Smith")


def test_a_contact_keeps_its_email_when_another_contact_holds_the_new_one() -> None:
    merged = registered(T0).merge(
        customer_record(LATER, first="Alicia", email="taken@example.com"), NOW, email_free=False
    )
    assert merged.email == "alice@example.com"
    assert merged.first_name == "Alicia"


def test_a_guest_becomes_the_registered_customer_who_holds_its_email() -> None:
    guest = Contact.create(
        "loc", ContactDraft(None, "dana@example.com", None, "Dana", "D", is_guest=True), T0
    )
    merged = guest.merge(ContactDraft(12, "DANA@example.com", None, "Dana", "D", False, T0), NOW)
    assert merged.woocommerce_customer_id == 12
    assert not merged.is_guest
    assert merged.email == "dana@example.com", "the same e-mail in another case is no change"


def test_an_order_never_overwrites_a_registered_customers_names() -> None:
    stored = registered(LATER)
    assert stored.fill(order_billing("Old", "Billing"), NOW) is stored


def test_an_order_fills_what_the_contact_lacks() -> None:
    stored = registered(T0, first="", email=None)
    filled = stored.fill(order_billing("Alice", "Other", phone="555 0100"), NOW)
    assert (filled.first_name, filled.last_name) == ("Alice", "Smith")
    assert (filled.email, filled.phone) == ("alice@example.com", "555 0100")
    assert filled.source_modified_at == T0, "an order is no version of the customer record"
    assert filled.updated_at == NOW


def test_an_order_fills_no_email_another_contact_holds() -> None:
    stored = registered(T0, email=None)
    assert stored.fill(order_billing("Alice", "Smith"), NOW, email_free=False) is stored


def test_a_contact_first_made_from_an_order_takes_the_customer_record_later() -> None:
    from_order = Contact.create("loc", order_billing("Billing", "Name"), T0)
    merged = from_order.merge(customer_record(T0), NOW)
    assert (merged.first_name, merged.last_name) == ("Alice", "Smith")
    assert merged.source_modified_at == T0


def test_a_contact_keeps_when_its_customer_registered_and_an_order_never_changes_it() -> None:
    signed_up = T0 - timedelta(days=30)
    contact = Contact.create("loc", replace(customer_record(T0), registered_at=signed_up), T0)
    assert contact.registered_at == signed_up

    newer = contact.merge(customer_record(LATER), NOW)  # a record without the date keeps it
    filled = newer.fill(order_billing("Alice", "Smith", phone="555"), NOW)

    assert newer.registered_at == signed_up
    assert filled.registered_at == signed_up

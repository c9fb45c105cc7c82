"""Which contact a store record resolves to: customer id, then e-mail, then phone; never a
contact of another store customer."""

from __future__ import annotations

from datetime import UTC, datetime

from wooconnect.domain.crm import Contact, ContactBook, ContactDraft, ContactKeys

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def contact(
    *, customer: int | None = None, email: str | None = None, phone: str | None = None
) -> Contact:
    draft = ContactDraft(customer, email, phone, "First", "Last", is_guest=customer is None)
    return Contact.create("loc", draft, T0)


def test_the_store_customer_id_decides_before_email_and_phone() -> None:
    by_phone = contact(phone="+1 (555) 0100")
    by_email = contact(email="Bob@Example.com")
    by_id = contact(customer=9, email="carol@example.com")
    book = ContactBook([by_phone, by_email, by_id])
    assert book.resolve(9, "bob@example.com", "+15550100") == by_id


def test_email_matches_trimmed_and_in_any_case_before_phone() -> None:
    by_phone = contact(phone="+1 (555) 0100")
    by_email = contact(email="Bob@Example.com")
    book = ContactBook([by_phone, by_email])
    assert book.resolve(None, "  BOB@example.COM ", "+15550100") == by_email


def test_phone_matches_by_its_digits_when_nothing_else_does() -> None:
    by_phone = contact(phone="+1 (555) 0100")
    book = ContactBook([by_phone, contact(email="bob@example.com")])
    assert book.resolve(None, "x@example.com", "+1-555-0100") == by_phone


def test_the_oldest_of_several_contacts_with_one_phone_is_taken() -> None:
    first, second = contact(phone="5550100"), contact(phone="555 0100")
    assert ContactBook([second, first]).resolve(None, None, "5550100") == first


def test_nothing_resolves_without_a_matching_key() -> None:
    book = ContactBook([contact(email="bob@example.com"), contact(phone="5550100")])
    assert book.resolve(None, "no@example.com", None) is None
    assert book.resolve(None, None, None) is None


def test_a_contact_of_another_store_customer_never_matches() -> None:
    shared = contact(customer=1, email="shared@example.com", phone="5550100")
    book = ContactBook([shared])
    assert book.resolve(2, "shared@example.com", "5550100") is None
    assert book.resolve(None, "shared@example.com", None) == shared


def test_a_store_customer_matches_an_unowned_contact_by_email() -> None:
    guest = contact(email="dana@example.com")
    assert ContactBook([guest]).resolve(12, "DANA@example.com", None) == guest


def test_a_contact_put_back_with_a_new_email_is_found_by_it_only() -> None:
    old = contact(email="old@example.com")
    book = ContactBook([old])
    changed = old.merge(ContactDraft(None, "new@example.com", None, "", "", True), T0)
    book.put(changed)
    assert book.resolve(None, "new@example.com", None) == changed
    assert book.resolve(None, "old@example.com", None) is None


def test_an_email_belongs_to_one_contact() -> None:
    owner = contact(email="taken@example.com")
    other = contact(email="other@example.com")
    book = ContactBook([owner, other])
    assert not book.email_free_for("TAKEN@example.com", other)
    assert not book.email_free_for("taken@example.com")
    assert book.email_free_for("taken@example.com", owner)
    assert book.email_free_for("free@example.com", other)
    assert book.email_free_for(None)


def test_a_records_keys_are_its_customer_id_and_its_normalised_email_and_phone() -> None:
    people = [
        ContactDraft(7, " Ann@Example.com ", "+1 (555) 0100", "Ann", "A", False),
        ContactDraft(None, None, None, "Guest", "G", True),
    ]
    assert ContactKeys.of(people) == ContactKeys(
        frozenset({7}), frozenset({"ann@example.com"}), frozenset({"+15550100"})
    )
    assert not ContactKeys.of(people[1:])


def test_keys_join_and_subtract_kind_by_kind() -> None:
    read = ContactKeys(frozenset({7}), frozenset({"ann@example.com"}))
    wanted = ContactKeys(frozenset({7, 8}), frozenset({"ann@example.com"}), frozenset({"5550100"}))
    assert wanted - read == ContactKeys(frozenset({8}), phones=frozenset({"5550100"}))
    assert read | wanted == wanted
    assert not read - wanted

"""The CRM side: contacts, orders and transactions as a location sees them, and how what the
store says merges into them.

Every source (import, webhook, reconciliation) decides here, once: which contact a record
resolves to (`ContactBook.resolve`), what a customer record or an order changes of a contact
(`Contact.merge`, `Contact.fill`), and which version of an order or a transaction wins
(`Order.apply`, `Transaction.apply`). A method returns the record itself (the same object)
when nothing changes.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from wooconnect.domain.ids import new_id
from wooconnect.domain.store import StoreOrder

R = TypeVar("R")

SOURCE_SUBTYPE = "woocommerce"
_NOT_DIGITS = re.compile(r"[^0-9]")


class CrmOrderStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TransactionKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"


def normalise_email(email: str | None) -> str | None:
    """E-mail as contacts are matched by: trimmed and case-folded; empty means none."""
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


def normalise_phone(phone: str | None) -> str | None:
    """Phone as contacts are matched by: digits only (a leading + kept); empty means none."""
    if phone is None:
        return None
    if phone.isascii():
        digits = _NOT_DIGITS.sub("", phone)
    else:  # str.isdigit also takes digits \d does not (superscripts)
        digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return None
    return f"+{digits}" if phone.lstrip().startswith("+") else digits


def charge_ref(order_id: int) -> str:
    """The store ref of an order's charge."""
    return f"order:{order_id}"


def refund_ref(refund_id: int) -> str:
    """The store ref of a refund."""
    return f"refund:{refund_id}"


def is_not_older(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a record may change a stored one: unless both carry versions (the store's
    `date_modified_gmt`) and the incoming one is earlier. The same version may: the store's
    dates have whole seconds, so it can hold a later change within that second. Where a
    payload of that version may be stale (a webhook delivered late), only the store can say
    which state is current; the caller applies the store's own copy instead."""
    return incoming is None or stored is None or incoming >= stored


def _content(record: object, draft: type[Any]) -> dict[str, Any]:
    """The fields of the `draft` type that `record` holds: what the store says of it."""
    return {f.name: getattr(record, f.name) for f in fields(draft)}


def _stored(
    record: Callable[..., R], location_id: str, content: dict[str, Any], **stamps: datetime
) -> R:
    """A new `record` of the location holding `content`, under a new CRM id."""
    return record(id=new_id(), location_id=location_id, **stamps, **content)


def _text(value: str | None) -> str | None:
    """A contact detail as stored: trimmed; empty means none."""
    cleaned = (value or "").strip()
    return cleaned or None


@dataclass(frozen=True, slots=True)
class ContactDraft:
    """What an import or a sync knows of a contact before it is resolved against the CRM."""

    woocommerce_customer_id: int | None
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    is_guest: bool
    # The store's own dates of the customer record: its last change (the version an incoming
    # record is compared with) and when the customer registered. None for a guest.
    source_modified_at: datetime | None = None
    registered_at: datetime | None = None

    @property
    def email_key(self) -> str | None:
        return normalise_email(self.email)

    @property
    def phone_key(self) -> str | None:
        return normalise_phone(self.phone)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact(ContactDraft):
    """A stored contact: a person's details (the draft's fields) under its CRM id."""

    id: str
    location_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls, location_id: str, draft: ContactDraft, now: datetime, *, email_free: bool = True
    ) -> Contact:
        """A new contact from `draft`. An e-mail another contact holds stays theirs: the new
        contact is made without it (`email_free` False)."""
        content = _content(draft, ContactDraft)
        content.update(email=_text(draft.email) if email_free else None, phone=_text(draft.phone))
        return _stored(cls, location_id, content, created_at=now, updated_at=now)

    def merge(self, incoming: ContactDraft, now: datetime, *, email_free: bool = True) -> Contact:
        """The contact after a version of its customer record (or of its guest's details):
        names, phone and e-mail are taken where the record has them, and a store customer id
        makes the contact that customer's. An older version changes nothing; the same version
        changes it only when it holds other data (a later change within the same second, see
        `is_not_older`). An e-mail another contact holds stays theirs (`email_free` False):
        this contact keeps its own."""
        if not is_not_older(incoming.source_modified_at, self.source_modified_at):
            return self
        merged = replace(
            self,
            first_name=incoming.first_name or self.first_name,
            last_name=incoming.last_name or self.last_name,
        )
        if incoming.woocommerce_customer_id is not None:
            merged = replace(
                merged, woocommerce_customer_id=incoming.woocommerce_customer_id, is_guest=False
            )
        if incoming.source_modified_at is not None:
            merged = replace(merged, source_modified_at=incoming.source_modified_at)
        if incoming.registered_at is not None:
            merged = replace(merged, registered_at=incoming.registered_at)
        if incoming.phone_key is not None:
            merged = replace(merged, phone=_text(incoming.phone))
        key = incoming.email_key
        if key is not None and key != self.email_key and email_free:
            merged = replace(merged, email=_text(incoming.email))
        return self._changed_to(merged, now)

    def fill(self, incoming: ContactDraft, now: datetime, *, email_free: bool = True) -> Contact:
        """The contact after an order of its person: the order's billing details fill only
        what the contact lacks. A registered customer's contact is decided by the customer
        record (`merge`); an order is no version of it, old or new, so it overwrites
        nothing."""
        filled = replace(
            self,
            first_name=self.first_name or incoming.first_name,
            last_name=self.last_name or incoming.last_name,
        )
        if self.woocommerce_customer_id is None and incoming.woocommerce_customer_id is not None:
            filled = replace(
                filled, woocommerce_customer_id=incoming.woocommerce_customer_id, is_guest=False
            )
        if self.phone_key is None and incoming.phone_key is not None:
            filled = replace(filled, phone=_text(incoming.phone))
        if self.email_key is None and incoming.email_key is not None and email_free:
            filled = replace(filled, email=_text(incoming.email))
        return self._changed_to(filled, now)

    def _changed_to(self, candidate: Contact, now: datetime) -> Contact:
        return self if candidate == self else replace(candidate, updated_at=now)


@dataclass(frozen=True, slots=True)
class ContactKeys:
    """What contacts are found by: store customer ids, e-mails and phones (the last two as
    `normalise_email` / `normalise_phone` give them)."""

    woocommerce_customer_ids: frozenset[int] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()

    @classmethod
    def of(cls, people: Iterable[ContactDraft]) -> ContactKeys:
        """The keys these people's contacts may be resolved by (`ContactBook.resolve`)."""
        people = list(people)
        return cls(
            frozenset(
                p.woocommerce_customer_id for p in people if p.woocommerce_customer_id is not None
            ),
            frozenset(p.email_key for p in people if p.email_key is not None),
            frozenset(p.phone_key for p in people if p.phone_key is not None),
        )

    def __bool__(self) -> bool:
        return bool(self.woocommerce_customer_ids or self.emails or self.phones)

    def __or__(self, other: ContactKeys) -> ContactKeys:
        return self._each(operator.or_, other)

    def __sub__(self, other: ContactKeys) -> ContactKeys:
        return self._each(operator.sub, other)

    def _each(
        self,
        combine: Callable[[frozenset[Any], frozenset[Any]], frozenset[Any]],
        other: ContactKeys,
    ) -> ContactKeys:
        return ContactKeys(
            combine(self.woocommerce_customer_ids, other.woocommerce_customer_ids),
            combine(self.emails, other.emails),
            combine(self.phones, other.phones),
        )


class ContactBook:
    """The contacts a decision picks among: those of one location that hold a key in play
    (a store customer id, an e-mail, a phone). Contacts created or changed while deciding
    are put back, so that the next record sees them."""

    def __init__(self, contacts: Iterable[Contact] = ()) -> None:
        self._by_id: dict[str, Contact] = {}
        self._by_customer: dict[int, str] = {}
        self._by_email: dict[str, str] = {}
        self._by_phone: dict[str, set[str]] = {}
        for contact in contacts:
            self.put(contact)

    def knows(self, contact: Contact) -> bool:
        """Whether the book holds this contact (in some state)."""
        return contact.id in self._by_id

    def put(self, contact: Contact) -> None:
        """Add a contact, or replace it with its new state."""
        previous = self._by_id.get(contact.id)
        if previous is not None:
            customer, email = previous.woocommerce_customer_id, previous.email_key
            if customer is not None and self._by_customer.get(customer) == previous.id:
                del self._by_customer[customer]
            if email is not None and self._by_email.get(email) == previous.id:
                del self._by_email[email]
            if previous.phone_key is not None:
                self._by_phone.get(previous.phone_key, set()).discard(previous.id)
        self._by_id[contact.id] = contact
        if contact.woocommerce_customer_id is not None:
            self._by_customer[contact.woocommerce_customer_id] = contact.id
        if contact.email_key is not None:
            self._by_email[contact.email_key] = contact.id
        if contact.phone_key is not None:
            self._by_phone.setdefault(contact.phone_key, set()).add(contact.id)

    def resolve(
        self, woocommerce_customer_id: int | None, email: str | None, phone: str | None
    ) -> Contact | None:
        """The person's contact: by store customer id, then by e-mail (trimmed, any case),
        then by phone (digits; the oldest contact when several share it). A contact that
        belongs to another store customer never matches: two customers are two people."""
        if woocommerce_customer_id is not None:
            found = self._by_customer.get(woocommerce_customer_id)
            if found is not None:
                return self._by_id[found]

        def allowed(contact: Contact) -> bool:
            owner = contact.woocommerce_customer_id
            return woocommerce_customer_id is None or owner in (None, woocommerce_customer_id)

        email_key = normalise_email(email)
        if email_key is not None:
            found = self._by_email.get(email_key)
            if found is not None and allowed(self._by_id[found]):
                return self._by_id[found]
        phone_key = normalise_phone(phone)
        if phone_key is not None:
            for contact_id in sorted(self._by_phone.get(phone_key, ())):
                if allowed(self._by_id[contact_id]):
                    return self._by_id[contact_id]
        return None

    def email_free_for(self, email: str | None, contact: Contact | None = None) -> bool:
        """Whether `contact` (or a new contact, when None) may take this e-mail: an e-mail
        belongs to one contact of a location."""
        key = normalise_email(email)
        owner = None if key is None else self._by_email.get(key)
        return owner is None or (contact is not None and owner == contact.id)


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """An order as the store shows it, mapped for the CRM but not yet stored. The dates are
    the store's own: when the order was placed, paid, completed and last changed."""

    woocommerce_order_id: int
    number: str
    contact_id: str | None
    status: CrmOrderStatus
    store_status: str
    currency: str
    total: Decimal
    paid_at: datetime | None
    placed_at: datetime | None
    source_modified_at: datetime | None
    deleted: bool = False
    completed_at: datetime | None = None
    # How the order is paid, as the store names the gateway to people (its title, else its id);
    # the order's charge and refunds go through it.
    payment_method: str = ""

    @classmethod
    def of(
        cls, order: StoreOrder, *, contact_id: str | None, status: CrmOrderStatus, deleted: bool
    ) -> OrderDraft:
        """The store's order for the CRM, with its person's contact and its mapped status."""
        return cls(
            woocommerce_order_id=order.id,
            number=order.number,
            contact_id=contact_id,
            status=status,
            store_status=order.status,
            currency=order.currency,
            total=order.total,
            paid_at=order.date_paid_gmt,
            placed_at=order.date_created_gmt,
            source_modified_at=order.date_modified_gmt,
            deleted=deleted,
            completed_at=order.date_completed_gmt,
            payment_method=order.payment_method_title or order.payment_method,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Order(OrderDraft):
    """A stored order: what the store says of it (the draft's fields) under its CRM id."""

    id: str
    location_id: str
    created_at: datetime
    updated_at: datetime
    source_subtype: str = SOURCE_SUBTYPE

    @classmethod
    def create(cls, location_id: str, draft: OrderDraft, now: datetime) -> Order:
        return _stored(
            cls, location_id, _content(draft, OrderDraft), created_at=now, updated_at=now
        )

    def apply(self, incoming: OrderDraft, now: datetime) -> Order:
        """The order after a version of it from the store. An older version changes nothing;
        the same version changes it only when it holds other data (the store's dates have
        whole seconds: that is a later change within the same second). The contact stays
        when the version names none, and the payment date is the first one seen (the store
        sets it once and never clears it)."""
        if not is_not_older(incoming.source_modified_at, self.source_modified_at):
            return self
        content = _content(incoming, OrderDraft)
        content.update(
            contact_id=incoming.contact_id or self.contact_id,
            paid_at=self.paid_at or incoming.paid_at,
        )
        applied = replace(self, **content)
        return self if applied == self else replace(applied, updated_at=now)

    def mark_deleted(self, deleted: bool, now: datetime) -> Order:
        """Trashed in the store (or restored): an order is never removed from the CRM."""
        return self if self.deleted == deleted else replace(self, deleted=deleted, updated_at=now)


@dataclass(frozen=True, slots=True)
class TransactionDraft:
    """A charge (a paid order) or a refund, keyed by its store ref (`order:15`, `refund:3`)."""

    woocommerce_ref: str
    order_id: str
    contact_id: str | None
    kind: TransactionKind
    amount: Decimal
    currency: str
    payment_method: str
    occurred_at: datetime | None

    @classmethod
    def charge(cls, order: Order, amount: Decimal) -> TransactionDraft:
        """A paid order's charge, paid when the order was, through its payment method."""
        return cls._of(
            order,
            charge_ref(order.woocommerce_order_id),
            TransactionKind.CHARGE,
            amount,
            order.paid_at,
        )

    @classmethod
    def refund(
        cls, order: Order, refund_id: int, amount: Decimal, *, occurred_at: datetime | None
    ) -> TransactionDraft:
        """A refund of `order`, however it arrived (an import of the store's refunds or the
        order's refund list in a webhook): paid back through the order's payment method. The
        store may sign its amount either way; the CRM holds it positive."""
        return cls._of(
            order, refund_ref(refund_id), TransactionKind.REFUND, abs(amount), occurred_at
        )

    @classmethod
    def _of(
        cls,
        order: Order,
        ref: str,
        kind: TransactionKind,
        amount: Decimal,
        occurred_at: datetime | None,
    ) -> TransactionDraft:
        return cls(
            ref,
            order.id,
            order.contact_id,
            kind,
            amount,
            order.currency,
            order.payment_method,
            occurred_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction(TransactionDraft):
    """A stored transaction: what the store says of it (the draft's fields) under its CRM
    id."""

    id: str
    location_id: str
    created_at: datetime

    @classmethod
    def create(cls, location_id: str, draft: TransactionDraft, now: datetime) -> Transaction:
        return _stored(cls, location_id, _content(draft, TransactionDraft), created_at=now)

    def apply(self, incoming: TransactionDraft) -> Transaction:
        """The transaction as the store shows it now (a transaction carries no version of its
        own: what its order or refund says last is what it is)."""
        applied = replace(self, **_content(incoming, TransactionDraft))
        return self if applied == self else applied

"""The CRM side: contacts, orders and transactions as a location sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

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


@dataclass(frozen=True, slots=True)
class ContactDraft:
    """What an import or a sync knows of a contact before it is resolved against the CRM."""

    woocommerce_customer_id: int | None
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    is_guest: bool
    source_modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    location_id: str
    woocommerce_customer_id: int | None
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    is_guest: bool
    created_at: datetime
    updated_at: datetime
    source_modified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """An order as the store shows it, mapped for the CRM but not yet stored."""

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


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    location_id: str
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
    created_at: datetime
    updated_at: datetime
    deleted: bool = False
    source_subtype: str = SOURCE_SUBTYPE


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


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    location_id: str
    woocommerce_ref: str
    order_id: str
    contact_id: str | None
    kind: TransactionKind
    amount: Decimal
    currency: str
    payment_method: str
    occurred_at: datetime | None
    created_at: datetime

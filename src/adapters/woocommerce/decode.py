"""From the store's JSON to the domain's types.

msgspec structs hold only what the service needs (unknown fields are ignored). Rules:
- every date prefers its `_gmt` twin (UTC); the local field is read as the store's time zone
  only where the twin is missing or empty;
- money arrives as decimal strings and becomes `Decimal`;
- refund amounts are positive in `/refunds` but negative in `order.refunds[].total`; both are
  normalised to positive;
- a record that cannot be decoded is reported with its id and the reason; the rest of its
  page proceeds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import msgspec

from wooconnect.domain.store import (
    StoreAddress,
    StoreCustomer,
    StoreOrder,
    StoreRefund,
    StoreRefundLine,
    StoreWebhook,
    UndecodableRecord,
)

T = TypeVar("T")


class UndecodablePayload(ValueError):
    """A store record that cannot be read. `record_id` is its id when one could be found."""

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"record {record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason


class _Address(msgspec.Struct):
    first_name: str | None = ""
    last_name: str | None = ""
    company: str | None = ""
    email: str | None = ""
    phone: str | None = ""
    city: str | None = ""
    country: str | None = ""


class _Customer(msgspec.Struct):
    id: int
    email: str
    first_name: str | None = ""
    last_name: str | None = ""
    role: str = ""
    username: str = ""
    billing: _Address = msgspec.field(default_factory=_Address)
    date_created: str | None = None
    date_created_gmt: str | None = None
    date_modified: str | None = None
    date_modified_gmt: str | None = None


class _OrderRefund(msgspec.Struct):
    id: int
    total: str
    reason: str | None = ""


class _Order(msgspec.Struct):
    id: int
    status: str
    currency: str
    total: str
    customer_id: int
    number: str = ""
    billing: _Address = msgspec.field(default_factory=_Address)
    payment_method: str | None = ""
    payment_method_title: str | None = ""
    transaction_id: str | None = ""
    date_created: str | None = None
    date_created_gmt: str | None = None
    date_modified: str | None = None
    date_modified_gmt: str | None = None
    date_paid: str | None = None
    date_paid_gmt: str | None = None
    date_completed: str | None = None
    date_completed_gmt: str | None = None
    refunds: list[_OrderRefund] = msgspec.field(default_factory=list)


class _Refund(msgspec.Struct):
    id: int
    amount: str
    # `/refunds` carries the order id; `/orders/{id}/refunds` does not (the path does).
    parent_id: int | None = None
    reason: str | None = ""
    refunded_payment: bool = False
    date_created: str | None = None
    date_created_gmt: str | None = None


class _Webhook(msgspec.Struct):
    id: int
    topic: str
    delivery_url: str
    status: str


class _Deleted(msgspec.Struct):
    id: int


class _IdOnly(msgspec.Struct):
    id: Any = None


class _StoreError(msgspec.Struct):
    code: str
    message: str = ""


def parse_store_date(gmt: str | None, local: str | None, store_tz: tzinfo = UTC) -> datetime | None:
    """A store timestamp as aware UTC: the `_gmt` value when present, else the local value in
    the store's time zone. Raises `ValueError` for text that is not a date."""
    if gmt:
        return _as_utc(datetime.fromisoformat(gmt), UTC)
    if local:
        return _as_utc(datetime.fromisoformat(local), store_tz)
    return None


def _as_utc(value: datetime, naive_zone: tzinfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive_zone)
    return value.astimezone(UTC)


def parse_money(text: str) -> Decimal:
    """A decimal money string as `Decimal`; raises `ValueError` for anything else."""
    try:
        amount = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"not a money amount: {text!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a money amount: {text!r}")
    return amount


def _address(raw: _Address) -> StoreAddress:
    return StoreAddress(
        first_name=raw.first_name or "",
        last_name=raw.last_name or "",
        company=raw.company or "",
        email=raw.email or "",
        phone=raw.phone or "",
        city=raw.city or "",
        country=raw.country or "",
    )


def to_customer(raw: _Customer, store_tz: tzinfo = UTC) -> StoreCustomer:
    return StoreCustomer(
        id=raw.id,
        email=raw.email,
        first_name=raw.first_name or "",
        last_name=raw.last_name or "",
        role=raw.role,
        username=raw.username,
        billing=_address(raw.billing),
        date_created_gmt=parse_store_date(raw.date_created_gmt, raw.date_created, store_tz),
        date_modified_gmt=parse_store_date(raw.date_modified_gmt, raw.date_modified, store_tz),
    )


def to_order(raw: _Order, store_tz: tzinfo = UTC) -> StoreOrder:
    return StoreOrder(
        id=raw.id,
        number=raw.number or str(raw.id),
        status=raw.status,
        currency=raw.currency,
        total=parse_money(raw.total),
        customer_id=raw.customer_id,
        billing=_address(raw.billing),
        payment_method=raw.payment_method or "",
        payment_method_title=raw.payment_method_title or "",
        transaction_id=raw.transaction_id or "",
        date_created_gmt=parse_store_date(raw.date_created_gmt, raw.date_created, store_tz),
        date_modified_gmt=parse_store_date(raw.date_modified_gmt, raw.date_modified, store_tz),
        date_paid_gmt=parse_store_date(raw.date_paid_gmt, raw.date_paid, store_tz),
        date_completed_gmt=parse_store_date(raw.date_completed_gmt, raw.date_completed, store_tz),
        refunds=tuple(
            # `order.refunds[].total` is "-10.00": the store prefixes the amount with a minus.
            StoreRefundLine(
                id=line.id, amount=abs(parse_money(line.total)), reason=line.reason or ""
            )
            for line in raw.refunds
        ),
    )


def to_refund(raw: _Refund, order_id: int | None = None, store_tz: tzinfo = UTC) -> StoreRefund:
    parent = raw.parent_id if raw.parent_id else order_id
    if parent is None:
        raise ValueError("the refund names no order")
    return StoreRefund(
        id=raw.id,
        order_id=parent,
        amount=abs(parse_money(raw.amount)),
        reason=raw.reason or "",
        date_created_gmt=parse_store_date(raw.date_created_gmt, raw.date_created, store_tz),
        refunded_payment=raw.refunded_payment,
    )


def to_webhook(raw: _Webhook) -> StoreWebhook:
    return StoreWebhook(
        id=raw.id, topic=raw.topic, delivery_url=raw.delivery_url, status=raw.status
    )


def decode_records(
    body: bytes, struct: type[Any], convert: Callable[[Any], T]
) -> tuple[list[T], list[UndecodableRecord]]:
    """Decode a JSON array record by record: good records converted, bad ones reported.

    Raises `UndecodablePayload` only when the body is not a JSON array at all.
    """
    try:
        raws = msgspec.json.decode(body, type=list[msgspec.Raw])
    except msgspec.DecodeError as exc:
        raise UndecodablePayload("page", f"not a JSON array: {exc}") from None
    items: list[T] = []
    errors: list[UndecodableRecord] = []
    for index, raw in enumerate(raws):
        try:
            items.append(convert(msgspec.json.decode(raw, type=struct)))
        except (msgspec.DecodeError, ValueError) as exc:
            errors.append(UndecodableRecord(record_id=_record_id(raw, index), reason=str(exc)))
    return items, errors


def _record_id(raw: msgspec.Raw, index: int) -> str:
    try:
        found = msgspec.json.decode(raw, type=_IdOnly).id
    except msgspec.DecodeError:
        found = None
    return str(found) if isinstance(found, int | str) and found != "" else f"#{index}"


def _decode_one(body: bytes, struct: type[Any], convert: Callable[[Any], T]) -> T:
    try:
        error = msgspec.json.decode(body, type=_StoreError)
    except msgspec.DecodeError:
        pass
    else:
        # What a store sends when the resource vanished before an async delivery ran.
        raise UndecodablePayload(_record_id(msgspec.Raw(body), 0), f"store error {error.code}")
    try:
        return convert(msgspec.json.decode(body, type=struct))
    except (msgspec.DecodeError, ValueError) as exc:
        raise UndecodablePayload(_record_id(msgspec.Raw(body), 0), str(exc)) from None


def decode_order_payload(body: bytes, store_tz: tzinfo = UTC) -> StoreOrder:
    """An order from a webhook body or `GET /orders/{id}`; raises `UndecodablePayload`."""
    return _decode_one(body, _Order, lambda raw: to_order(raw, store_tz))


def decode_customer_payload(body: bytes, store_tz: tzinfo = UTC) -> StoreCustomer:
    """A customer from a webhook body or `GET /customers/{id}`; raises `UndecodablePayload`."""
    return _decode_one(body, _Customer, lambda raw: to_customer(raw, store_tz))


def decode_deleted_payload(body: bytes) -> int:
    """The id in a `*.deleted` delivery (`{"id": N}`); raises `UndecodablePayload`."""
    return _decode_one(body, _Deleted, lambda raw: int(raw.id))


def decode_webhook(body: bytes) -> StoreWebhook:
    """A webhook as `/webhooks` shows it; raises `UndecodablePayload`."""
    return _decode_one(body, _Webhook, to_webhook)


CUSTOMER_STRUCT = _Customer
ORDER_STRUCT = _Order
REFUND_STRUCT = _Refund
WEBHOOK_STRUCT = _Webhook

"""The webhook-codec port over the WooCommerce decoders and signature check."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from wooconnect.adapters.woocommerce.decode import (
    UndecodablePayload,
    decode_customer_payload,
    decode_deleted_payload,
    decode_order_payload,
)
from wooconnect.adapters.woocommerce.signatures import verify_webhook_signature
from wooconnect.app.errors import UpstreamUndecodable
from wooconnect.app.ports.store import DeliveryMeta
from wooconnect.domain.store import StoreCustomer, StoreOrder


class _Meta(msgspec.Struct):
    id: int | None = None
    date_modified_gmt: str | None = None


_meta_decoder = msgspec.json.Decoder(_Meta)


class _Numbered(msgspec.Struct):
    number: str | int | None = None


_number_decoder = msgspec.json.Decoder(_Numbered)


def _parse_gmt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class WooCommerceWebhookCodec:
    def verify(self, body: bytes, signature: str | None, secret: str) -> bool:
        return verify_webhook_signature(body, signature, secret)

    def meta(self, body: bytes) -> DeliveryMeta:
        try:
            meta = _meta_decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise UpstreamUndecodable(f"the delivery is not a WooCommerce record: {exc}") from None
        except RecursionError:
            raise UpstreamUndecodable("the delivery is nested too deeply to read") from None
        return DeliveryMeta(meta.id, _parse_gmt(meta.date_modified_gmt))

    def order(self, body: bytes) -> StoreOrder:
        try:
            return decode_order_payload(body)
        except UndecodablePayload as exc:
            raise UpstreamUndecodable(str(exc)) from None

    def customer(self, body: bytes) -> StoreCustomer:
        try:
            return decode_customer_payload(body)
        except UndecodablePayload as exc:
            raise UpstreamUndecodable(str(exc)) from None

    def deleted_id(self, body: bytes) -> int:
        try:
            return decode_deleted_payload(body)
        except UndecodablePayload as exc:
            raise UpstreamUndecodable(str(exc)) from None

    def order_number(self, body: bytes) -> str | None:
        try:
            number = _number_decoder.decode(body).number
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        return None if number is None or number == "" else str(number)

"""The store's JSON, shaped exactly like WooCommerce 10.0.2 (HPOS) writes it: same keys in the
same order, local dates without a time zone beside their `_gmt` twins, money as strings,
`order.refunds[].total` negative, and `wp_json_encode` escaping (`\\/`, `\\uXXXX`)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from wooconnect.adapters.woocommerce.simulator.records import (
    BILLING_KEYS,
    DELETABLE_ROLES,
    SHIPPING_KEYS,
    CustomerRecord,
    OrderRecord,
    RefundRecord,
    WebhookRecord,
)

# A customer lists its address keys in another order than an order does (`BILLING_KEYS`):
# `state` after `postcode` and `country`.
CUSTOMER_BILLING = (
    *BILLING_KEYS[: BILLING_KEYS.index("state")],
    "postcode",
    "country",
    "state",
    *BILLING_KEYS[BILLING_KEYS.index("email") :],
)
CUSTOMER_SHIPPING = tuple(key for key in CUSTOMER_BILLING if key != "email")
WC_VERSION = "10.0.2"
TOPIC_HOOKS = {
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "customer.created": [
        "user_register",
        "woocommerce_created_customer",
        "woocommerce_new_customer",
    ],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
}


def wp_json_encode(value: Any) -> bytes:
    """JSON as WordPress writes it: compact, ASCII-only (`\\u00fc`), and `/` escaped as `\\/`.
    A `/` can only occur inside strings in JSON text, so escaping it afterwards is safe."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):f}"


class Shapes:
    """Renders records as REST responses of one store (its home URL and time zone)."""

    def __init__(self, home_url: str, utc_offset: timedelta) -> None:
        self.home_url = home_url
        self.utc_offset = utc_offset

    def local(self, instant: datetime | None) -> str | None:
        if instant is None:
            return None
        return (instant + self.utc_offset).strftime("%Y-%m-%dT%H:%M:%S")

    @staticmethod
    def gmt(instant: datetime | None) -> str | None:
        return None if instant is None else instant.strftime("%Y-%m-%dT%H:%M:%S")

    def _href(self, path: str) -> str:
        return f"{self.home_url}/wp-json/wc/v3/{path}"

    def customer(self, c: CustomerRecord) -> dict[str, Any]:
        allow = ["GET", "POST", "PUT", "PATCH"] + (["DELETE"] if c.role in DELETABLE_ROLES else [])
        avatar = hashlib.sha256(c.email.strip().lower().encode()).hexdigest()
        return {
            "id": c.id,
            "date_created": self.local(c.date_created),
            "date_created_gmt": self.gmt(c.date_created),
            "date_modified": self.local(c.date_modified),
            "date_modified_gmt": self.gmt(c.date_modified),
            "email": c.email,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "role": c.role,
            "username": c.username,
            "billing": {key: c.billing.get(key, "") for key in CUSTOMER_BILLING},
            "shipping": {key: c.shipping.get(key, "") for key in CUSTOMER_SHIPPING},
            "is_paying_customer": c.is_paying_customer,
            "avatar_url": f"https://secure.gravatar.com/avatar/{avatar}?s=96&d=mm&r=g",
            "meta_data": [],
            "_links": {
                "self": [
                    {"href": self._href(f"customers/{c.id}"), "targetHints": {"allow": allow}}
                ],
                "collection": [{"href": self._href("customers")}],
            },
        }

    def order(self, o: OrderRecord, refunds: list[RefundRecord]) -> dict[str, Any]:
        total = o.total
        links: dict[str, Any] = {
            "self": [
                {
                    "href": self._href(f"orders/{o.id}"),
                    "targetHints": {"allow": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                }
            ],
            "collection": [{"href": self._href("orders")}],
            "email_templates": [
                {"embeddable": True, "href": self._href(f"orders/{o.id}/actions/email_templates")}
            ],
        }
        if o.customer_id:
            links["customer"] = [{"href": self._href(f"customers/{o.customer_id}")}]
        return {
            "id": o.id,
            "parent_id": 0,
            "status": o.status,
            "currency": o.currency,
            "version": WC_VERSION,
            "prices_include_tax": False,
            "date_created": self.local(o.date_created),
            "date_modified": self.local(o.date_modified),
            "discount_total": "0.00",
            "discount_tax": "0.00",
            "shipping_total": "0.00",
            "shipping_tax": "0.00",
            "cart_tax": "0.00",
            "total": money(total),
            "total_tax": "0.00",
            "customer_id": o.customer_id,
            "order_key": o.order_key,
            "billing": {key: o.billing.get(key, "") for key in BILLING_KEYS},
            "shipping": {key: o.shipping.get(key, "") for key in SHIPPING_KEYS},
            "payment_method": o.payment_method,
            "payment_method_title": o.payment_method_title,
            "transaction_id": o.transaction_id,
            "customer_ip_address": o.customer_ip_address,
            "customer_user_agent": "",
            "created_via": o.created_via,
            "customer_note": "",
            "date_completed": self.local(o.date_completed),
            "date_paid": self.local(o.date_paid),
            "cart_hash": "",
            "number": str(o.id),
            "meta_data": [],
            "line_items": [self._line_item(item) for item in o.line_items],
            "tax_lines": [],
            "shipping_lines": [],
            "fee_lines": [],
            "coupon_lines": [],
            # Newest first, with the amount negated: `'-' . wc_format_decimal($amount)`.
            "refunds": [
                {"id": r.id, "reason": r.reason, "total": "-" + money(r.amount)}
                for r in sorted(refunds, key=lambda r: r.id, reverse=True)
            ],
            "payment_url": (
                f"{self.home_url}/checkout/order-pay/{o.id}/?pay_for_order=true&key={o.order_key}"
            ),
            "is_editable": o.status in {"pending", "on-hold", "checkout-draft"},
            "needs_payment": o.status in {"pending", "failed"} and total > 0,
            "needs_processing": True,
            "date_created_gmt": self.gmt(o.date_created),
            "date_modified_gmt": self.gmt(o.date_modified),
            "date_completed_gmt": self.gmt(o.date_completed),
            "date_paid_gmt": self.gmt(o.date_paid),
            "currency_symbol": {"USD": "$", "EUR": "€", "GBP": "£"}.get(o.currency, o.currency),
            "_links": links,
        }

    @staticmethod
    def _line_item(item: Any) -> dict[str, Any]:
        # `price` is a JSON number: total / quantity, an int when PHP's division gives one.
        total: Decimal = item.total
        price: float | int = (
            int(total / item.quantity)
            if total % item.quantity == 0 and total == total.to_integral_value()
            else float(total) / item.quantity
        )
        return {
            "id": item.id,
            "name": item.name,
            "product_id": item.product_id,
            "variation_id": 0,
            "quantity": item.quantity,
            "tax_class": "",
            "subtotal": money(total),
            "subtotal_tax": "0.00",
            "total": money(total),
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [],
            "sku": item.sku,
            "price": price,
            "image": {"id": "", "src": ""},
            "parent_name": None,
        }

    def refund(self, r: RefundRecord, *, with_parent: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"id": r.id}
        if with_parent:
            # Only `/refunds` (WooCommerce ≥ 9.0) names the order in the body.
            body["parent_id"] = r.order_id
        body.update(
            {
                "date_created": self.local(r.date_created),
                "date_created_gmt": self.gmt(r.date_created),
                "amount": money(r.amount),
                "reason": r.reason,
                "refunded_by": r.refunded_by,
                "refunded_payment": False,
                "meta_data": [],
                "line_items": [],
                "shipping_lines": [],
                "tax_lines": [],
                "fee_lines": [],
                "_links": {
                    "self": [
                        {
                            "href": self._href(f"orders/{r.order_id}/refunds/{r.id}"),
                            "targetHints": {"allow": ["GET", "DELETE"]},
                        }
                    ],
                    "collection": [{"href": self._href(f"orders/{r.order_id}/refunds")}],
                    "up": [{"href": self._href(f"orders/{r.order_id}")}],
                },
            }
        )
        return body

    def webhook(self, w: WebhookRecord) -> dict[str, Any]:
        # No `secret` key: the store never returns a webhook's secret.
        return {
            "id": w.id,
            "name": w.name,
            "status": w.status,
            "topic": w.topic,
            "resource": w.resource,
            "event": w.event,
            "hooks": TOPIC_HOOKS.get(w.topic, []),
            "delivery_url": w.delivery_url,
            "date_created": self.local(w.date_created),
            "date_created_gmt": self.gmt(w.date_created),
            "date_modified": self.local(w.date_modified),
            "date_modified_gmt": self.gmt(w.date_modified),
            "_links": {
                "self": [{"href": self._href(f"webhooks/{w.id}")}],
                "collection": [{"href": self._href("webhooks")}],
            },
        }


def error_body(code: str, message: str, status: int, **data: Any) -> dict[str, Any]:
    """The WordPress REST error envelope."""
    return {"code": code, "message": message, "data": {"status": status, **data}}

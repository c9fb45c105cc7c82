"""The WooCommerce key grant (`/wc-auth/v1/authorize`): the URL a merchant opens to approve
access, and the body the store POSTs back to our callback with the new key pair."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import msgspec

from wooconnect.domain.store import KeyGrant
from wooconnect.domain.store_url import StoreUrl

SCOPE = "read_write"


class KeyGrantInvalid(ValueError):
    """The callback body is not a key grant; the message says what is wrong."""


def build_authorize_url(
    store_url: StoreUrl, *, app_name: str, state: str, return_url: str, callback_url: str
) -> str:
    """The store's grant screen for our app. `state` travels as WooCommerce's `user_id`
    (our own identifier, echoed back in the callback); make it single-use."""
    query = urlencode(
        {
            "app_name": app_name,
            "scope": SCOPE,
            "user_id": state,
            "return_url": return_url,
            "callback_url": callback_url,
        },
        quote_via=quote,
    )
    return f"{store_url.join('wc-auth/v1/authorize')}?{query}"


class _KeyGrantBody(msgspec.Struct):
    key_id: int
    # The store echoes the raw request string; the docs show a number, so accept both.
    user_id: str | int
    consumer_key: str
    consumer_secret: str
    key_permissions: str = SCOPE


def decode_key_grant(body: bytes) -> KeyGrant:
    """Decode the JSON a store POSTs after approval; raise `KeyGrantInvalid` otherwise."""
    try:
        raw: Any = msgspec.json.decode(body, type=_KeyGrantBody)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise KeyGrantInvalid(f"not a WooCommerce key grant: {exc}") from None
    except RecursionError:
        raise KeyGrantInvalid("not a WooCommerce key grant: nested too deeply") from None
    grant: _KeyGrantBody = raw
    if not grant.consumer_key.startswith("ck_") or not grant.consumer_secret.startswith("cs_"):
        raise KeyGrantInvalid("not a WooCommerce key grant: keys must start with ck_ and cs_")
    if grant.key_permissions not in {"read", "write", "read_write"}:
        raise KeyGrantInvalid(f"unknown key permissions `{grant.key_permissions}`")
    return KeyGrant(
        key_id=grant.key_id,
        user_id=str(grant.user_id),
        consumer_key=grant.consumer_key,
        consumer_secret=grant.consumer_secret,
        key_permissions=grant.key_permissions,
    )

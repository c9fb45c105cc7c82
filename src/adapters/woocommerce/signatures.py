"""Webhook delivery signatures: base64(HMAC-SHA256(raw body bytes, webhook secret)).

Always over the bytes exactly as received: the store signs `wp_json_encode` output (`\\/` for
`/`, `\\uXXXX` for non-ASCII), which no re-serialisation reproduces.
"""

from __future__ import annotations

import base64
import hmac


def sign_webhook_body(body: bytes, secret: str) -> str:
    """The `X-WC-Webhook-Signature` value a store sends for `body`."""
    digest = hmac.digest(secret.encode("utf-8"), body, "sha256")  # OpenSSL's one-shot HMAC
    return base64.b64encode(digest).decode("ascii")


def verify_webhook_signature(body: bytes, signature_header: str | None, secret: str) -> bool:
    """Whether `signature_header` is the store's signature of `body` under `secret`.

    Constant-time comparison; a missing or empty header (a ping) never verifies.
    """
    if not signature_header or not secret:
        return False
    expected = sign_webhook_body(body, secret).encode("ascii")
    try:
        given = signature_header.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)

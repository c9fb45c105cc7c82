"""How deliveries to workflow subscribers are signed, and how a receiver checks them.

The signature is `sha256=` followed by the hex HMAC-SHA256, keyed with the subscription's
secret, of `f"{timestamp}.{body}"`: the Unix timestamp (seconds, as sent in the timestamp
header), a full stop, then the raw request body. Signing the timestamp with the body lets a
receiver refuse old deliveries replayed by someone who captured one.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="
EVENT_ID_HEADER = "X-Wooconnect-Event-Id"
EVENT_TYPE_HEADER = "X-Wooconnect-Event-Type"
TIMESTAMP_HEADER = "X-Wooconnect-Timestamp"
SIGNATURE_HEADER = "X-Wooconnect-Signature"
DEFAULT_TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header for `body` sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: int,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """What a receiver does: the timestamp is recent and the signature matches (compared in
    constant time)."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)


def delivery_headers(
    secret: str, *, event_id: str, event_type: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Every header a delivery carries besides the transport's own."""
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }

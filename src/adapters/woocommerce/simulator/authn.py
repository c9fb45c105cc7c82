"""Request authentication as `WC_REST_Authentication` performs it.

Over https (`is_ssl()`): Basic from the `consumer_key`/`consumer_secret` query parameters
first, then from the Authorization header; an unknown key is not an error, it just leaves the
request anonymous. Then, also over https, OAuth 1.0a. Over plain http only OAuth is tried, so
Basic credentials are silently ignored there.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import time
from collections.abc import Mapping
from urllib.parse import unquote

from wooconnect.adapters.woocommerce.auth import oauth_signature
from wooconnect.adapters.woocommerce.simulator.records import RestApiKey
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore

OAUTH_REQUIRED = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
_OAUTH_HEADER_PARAM = re.compile(r'(oauth_[a-z_-]*)=(?:"([^"]*)"|([^,]*))')
NONCE_WINDOW_S = 15 * 60
AUTH_ERROR = "woocommerce_rest_authentication_error"


class AuthFailure(Exception):
    """Credentials were presented and are wrong: a 401 with the store's code and message."""

    def __init__(self, message: str, code: str = AUTH_ERROR) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def authenticate(
    store: SimulatedStore,
    *,
    secure: bool,
    method: str,
    path: str,
    params: Mapping[str, str],
    authorization: str | None,
) -> RestApiKey | None:
    """The key the request authenticates with, None when anonymous; raises `AuthFailure`.

    `params` are the decoded query (and form) parameters, last value winning like PHP's
    `$_GET`; `path` is the request path below the home URL.
    """
    if store.faults.strip_authorization:
        authorization = None
    if secure:
        key = _basic(store, params, authorization)
        if key is not None:
            return key
    # OAuth signs the URL built from the home URL with the scheme `is_ssl()` says, not from Host.
    home = store.home_url
    url = ("https" if secure else "http") + home[home.index("://") :] + path
    return _oauth(store, method, url, params, authorization)


def _basic(
    store: SimulatedStore, params: Mapping[str, str], authorization: str | None
) -> RestApiKey | None:
    consumer_key, consumer_secret = (
        params.get("consumer_key", ""),
        params.get("consumer_secret", ""),
    )
    if not (consumer_key and consumer_secret) and authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return None
            consumer_key, _, consumer_secret = decoded.partition(":")
    if not consumer_key or not consumer_secret:
        return None
    key = store.api_keys.get(consumer_key)
    if key is None:
        return None
    if not hmac.compare_digest(key.consumer_secret.encode(), consumer_secret.encode()):
        raise AuthFailure("Consumer secret is invalid.")
    return key


def _oauth(
    store: SimulatedStore, method: str, url: str, params: Mapping[str, str], auth: str | None
) -> RestApiKey | None:
    merged = dict(params)
    if auth and auth.lower().startswith("oauth "):
        for name, quoted, bare in _OAUTH_HEADER_PARAM.findall(auth):
            merged[name] = unquote(quoted or bare)
    present = [name for name in OAUTH_REQUIRED if merged.get(name)]
    if not present:
        return None
    missing = [name for name in OAUTH_REQUIRED if name not in present]
    if missing:
        raise AuthFailure(
            f"Missing OAuth parameter(s) {', '.join(missing)}",
            "woocommerce_rest_authentication_missing_parameter",
        )
    key = store.api_keys.get(merged["oauth_consumer_key"])
    if key is None:
        raise AuthFailure("Consumer key is invalid.")
    algorithm = merged["oauth_signature_method"]
    if algorithm not in {"HMAC-SHA1", "HMAC-SHA256"}:
        raise AuthFailure("Invalid signature - signature method is invalid.")
    expected = oauth_signature(method, url, merged, key.consumer_secret, algorithm=algorithm)
    given = merged["oauth_signature"].replace(" ", "+")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise AuthFailure("Invalid signature - provided signature does not match.")
    timestamp = merged["oauth_timestamp"]
    now = int(time.time())
    if not timestamp.isdigit() or abs(now - int(timestamp)) > NONCE_WINDOW_S:
        raise AuthFailure("Invalid timestamp.")
    with store.lock:
        key.nonces = {n: t for n, t in key.nonces.items() if t > now - NONCE_WINDOW_S}
        if merged["oauth_nonce"] in key.nonces:
            raise AuthFailure("Invalid nonce - nonce has already been used.")
        key.nonces[merged["oauth_nonce"]] = int(timestamp)
    return key


def check_permissions(key: RestApiKey, method: str) -> None:
    """A read key may not write, a write key may not read (`check_user_permissions`)."""
    if method in {"GET", "HEAD"} and key.permissions not in {"read", "read_write"}:
        raise AuthFailure("The API key provided does not have read permissions.")
    if method in {"POST", "PUT", "PATCH", "DELETE"} and key.permissions not in {
        "write",
        "read_write",
    }:
        raise AuthFailure("The API key provided does not have write permissions.")

"""How a request proves who it is to a WooCommerce store.

Three ways, chosen by the store URL and by what the server lets through:

- HTTP Basic (consumer key as user, secret as password), over https only: a store silently
  ignores Basic credentials over plain http.
- The same key pair as `consumer_key` / `consumer_secret` query parameters, over https, for
  servers that strip the Authorization header before PHP sees it.
- OAuth 1.0a one-legged (HMAC-SHA256) over plain http, signed exactly as
  `WC_REST_Authentication::check_oauth_signature` recomputes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from urllib.parse import quote

from wooconnect.domain.connection import StoreCredentials
from wooconnect.domain.store_url import StoreUrl


class AuthMode(StrEnum):
    BASIC = "basic"
    QUERY_STRING = "query_string"
    OAUTH1 = "oauth1"


def choose_auth_mode(store_url: StoreUrl, *, query_string_auth: bool) -> AuthMode:
    """The mode a store accepts: OAuth over http (Basic is ignored there), Basic over https
    unless the server was found to strip the Authorization header."""
    if not store_url.is_secure:
        return AuthMode.OAUTH1
    return AuthMode.QUERY_STRING if query_string_auth else AuthMode.BASIC


def rfc3986(value: str) -> str:
    """Percent-encode like PHP's `rawurlencode` (what `wc_rest_urlencode_rfc3986` amounts to)."""
    return quote(value, safe="~")


def oauth_base_string(method: str, base_url: str, params: Mapping[str, str]) -> str:
    """The string a store signs: METHOD & encoded URL & encoded, sorted parameter string.

    `params` are the decoded query (and form) parameters plus the `oauth_*` ones, without
    `oauth_signature`. The store sorts by raw key in byte order (`uksort(..., 'strcmp')`); PHP
    arrays cannot hold a key twice, so there is no value tie-break.
    """
    items = sorted(
        ((key, value) for key, value in params.items() if key != "oauth_signature"),
        key=lambda item: item[0].encode("utf-8"),
    )
    pairs = [rfc3986(f"{rfc3986(key)}={rfc3986(value)}") for key, value in items]
    return f"{method.upper()}&{rfc3986(base_url)}&{'%26'.join(pairs)}"


def oauth_signature(
    method: str,
    base_url: str,
    params: Mapping[str, str],
    consumer_secret: str,
    *,
    algorithm: str = "HMAC-SHA256",
) -> str:
    """base64(HMAC(base string, consumer_secret + '&')); one-legged, so no token secret."""
    digest = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}.get(algorithm)
    if digest is None:
        raise ValueError(f"unsupported OAuth signature method {algorithm!r}")
    key = f"{consumer_secret}&".encode()
    base = oauth_base_string(method, base_url, params).encode()
    return base64.b64encode(hmac.new(key, base, digest).digest()).decode("ascii")


class OAuth1Signer:
    """Adds fresh `oauth_*` parameters to each request. A new nonce and timestamp every time:
    a store remembers used nonces for 15 minutes, and the `Link` next URL it returns repeats
    the used one, so a page must never be requested by following that link."""

    def __init__(
        self,
        credentials: StoreCredentials,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._credentials = credentials
        self._clock = clock
        self._nonce = nonce

    def sign(self, method: str, base_url: str, params: Mapping[str, str]) -> dict[str, str]:
        """`params` plus the signed `oauth_*` parameters, ready to go in the query string.

        `base_url` is the store's home URL joined with the request path, without a query.
        """
        signed = dict(params)
        signed.update(
            oauth_consumer_key=self._credentials.consumer_key,
            oauth_nonce=self._nonce(),
            oauth_signature_method="HMAC-SHA256",
            oauth_timestamp=str(int(self._clock())),
        )
        signed["oauth_signature"] = oauth_signature(
            method, base_url, signed, self._credentials.consumer_secret
        )
        return signed


def basic_authorization(credentials: StoreCredentials) -> str:
    """The `Authorization` header value for HTTP Basic with the key pair."""
    raw = f"{credentials.consumer_key}:{credentials.consumer_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def query_string_credentials(credentials: StoreCredentials) -> dict[str, str]:
    """The key pair as query parameters (the documented fallback for stripped headers)."""
    return {
        "consumer_key": credentials.consumer_key,
        "consumer_secret": credentials.consumer_secret,
    }

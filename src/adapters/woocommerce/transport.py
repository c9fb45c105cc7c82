"""One authenticated request to a store: signing, timeouts, retries and error mapping.

Every attempt is authenticated afresh (an OAuth nonce is single-use). Transient failures (429,
5xx, timeouts, connection errors) are retried with backoff; what is left is mapped to the app's
errors: 401/403/404 → `UpstreamRejected`, other 4xx → `UpstreamRequestInvalid`, exhausted
retries → `UpstreamUnavailable`.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import msgspec

from wooconnect.adapters.woocommerce.auth import (
    AuthMode,
    OAuth1Signer,
    basic_authorization,
    query_string_credentials,
)
from wooconnect.adapters.woocommerce.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from wooconnect.app.errors import UpstreamRejected, UpstreamRequestInvalid, UpstreamUnavailable
from wooconnect.app.ports.store import StoreAccess

API_PREFIX = "wp-json/wc/v3"
USER_AGENT = "wooconnect/0.1 (+https://github.com/wooconnect)"
_PERMANENT = frozenset({401, 403, 404})


def _cause(exc: httpx.TransportError) -> str:
    """What the connection failed on, as the system words it (`: name or service not known`),
    without the errno; empty when it says nothing."""
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc).strip())
    return f": {text[:1].lower()}{text[1:]}" if text else ""


class _ErrorData(msgspec.Struct):
    params: dict[str, str] | None = None


class _ErrorBody(msgspec.Struct):
    code: str
    message: str = ""
    data: _ErrorData | None = None


def store_error(response: httpx.Response) -> tuple[str, str, dict[str, str]]:
    """The store's error `code`, `message` and invalid `params` (when it said which)."""
    try:
        body = msgspec.json.decode(response.content, type=_ErrorBody)
    except msgspec.DecodeError:
        # Not WordPress speaking (a proxy, a WAF, no WordPress at this URL).
        return f"http_{response.status_code}", response.reason_phrase or "no JSON error body", {}
    params = body.data.params if body.data is not None and body.data.params else {}
    return body.code, body.message, dict(params)


def raise_for_store_error(response: httpx.Response) -> None:
    """Map a non-2xx store response to the app's permanent errors (transient ones are handled
    by the retry loop before this is reached)."""
    status = response.status_code
    if status < 400:
        return
    code, message, params = store_error(response)
    if status in _PERMANENT:
        raise UpstreamRejected(status, code, message)
    if status in RETRYABLE_STATUSES:
        raise UpstreamUnavailable(
            f"the store is unavailable ({status} {code}): {message}",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    details = "; ".join(f"{name}: {why}" for name, why in sorted(params.items()))
    raise UpstreamRequestInvalid(
        f"the store refused our request as invalid ({status} {code}): {message}"
        + (f" ({details})" if details else "")
    )


class StoreTransport:
    """Sends requests to stores through the process's shared `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        retry: RetryPolicy,
        timeout: httpx.Timeout,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._http = http
        self._retry = retry
        self._timeout = timeout
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def send(
        self,
        access: StoreAccess,
        mode: AuthMode,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one API request (`path` below `/wp-json/wc/v3/`), retrying transient failures.

        Returns any response that is not transient, error or not: callers map it. A
        non-idempotent request (creating a webhook) is retried only where the store cannot
        have acted on it: 429 and connection failures.
        """
        url = access.store_url.join(f"{API_PREFIX}/{path.lstrip('/')}")
        attempt = 0
        while True:
            attempt += 1
            request = self._build(access, mode, method, url, params or {}, json)
            try:
                response = await self._http.send(request)
            except httpx.TimeoutException as exc:
                failure = UpstreamUnavailable("the store did not answer in time")
                retry_after = None
                retryable = idempotent or isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                failure = UpstreamUnavailable(f"the store could not be reached{_cause(exc)}")
                retry_after = None
                retryable = idempotent or isinstance(exc, httpx.ConnectError)
            else:
                if response.status_code not in RETRYABLE_STATUSES:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                code, message, _ = store_error(response)
                failure = UpstreamUnavailable(
                    f"the store is unavailable ({response.status_code} {code}): {message}",
                    retry_after=retry_after,
                )
                retryable = idempotent or response.status_code == 429
            if not retryable or attempt >= self._retry.max_attempts:
                raise failure
            if retry_after is not None and retry_after > self._retry.max_delay:
                raise failure
            delay = self._retry.backoff(attempt, self._rng)
            await self._sleep(retry_after if retry_after is not None else delay)

    def _build(
        self,
        access: StoreAccess,
        mode: AuthMode,
        method: str,
        url: str,
        params: Mapping[str, str],
        json: Any,
    ) -> httpx.Request:
        query = dict(params)
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if mode is AuthMode.BASIC:
            headers["Authorization"] = basic_authorization(access.credentials)
        elif mode is AuthMode.QUERY_STRING:
            query.update(query_string_credentials(access.credentials))
        else:
            # The base URL is the store's home URL plus the path, exactly what we request.
            query = OAuth1Signer(access.credentials).sign(method, url, query)
        return self._http.build_request(
            method, url, params=query, headers=headers, json=json, timeout=self._timeout
        )

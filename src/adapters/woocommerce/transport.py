"""One authenticated request to a store: signing, timeouts, retries and error mapping.

Every attempt is authenticated afresh (an OAuth nonce is single-use) and takes its place in the
store's window (`window.StoreWindow`), which it tells how the store answered. Transient
failures (429, 5xx, timeouts, connection errors) are retried with backoff; what is left is
mapped to the app's errors: 401/403/404 → `UpstreamRejected`, other 4xx →
`UpstreamRequestInvalid`, exhausted retries → `UpstreamUnavailable`.
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
from wooconnect.adapters.woocommerce.window import OVERLOAD_STATUSES, StoreWindow
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
        window: StoreWindow,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send one API request (`path` below `/wp-json/wc/v3/`), retrying transient failures.

        Each attempt takes a place in the store's `window` and tells it how the store answered;
        backing off happens outside it, so a waiting retry holds no place. A `Retry-After`
        pauses the whole window (every request to the store waits it out); one longer than the
        policy's `max_delay` is not waited for here: `UpstreamUnavailable` carries it to the
        caller, whose job is rescheduled.

        Returns any response that is not transient, error or not: callers map it. A
        non-idempotent request (creating a webhook) is retried only where the store cannot
        have acted on it: 429 and connection failures.
        """
        url = access.store_url.join(f"{API_PREFIX}/{path.lstrip('/')}")
        attempt = 0
        while True:
            attempt += 1
            await self._wait_out_pause(window)
            request = self._build(access, mode, method, url, params or {}, json)
            permit = await window.acquire()
            paused = False
            try:
                response = await self._http.send(request)
            except httpx.TimeoutException as exc:
                window.overloaded(permit)
                failure = UpstreamUnavailable("the store did not answer in time")
                retry_after = None
                retryable = idempotent or isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                window.failed(permit)
                failure = UpstreamUnavailable(f"the store could not be reached{_cause(exc)}")
                retry_after = None
                retryable = idempotent or isinstance(exc, httpx.ConnectError)
            except BaseException:
                window.failed(permit)
                raise
            else:
                status = response.status_code
                retry_after = (
                    parse_retry_after(response.headers.get("Retry-After"))
                    if status in RETRYABLE_STATUSES
                    else None
                )
                if status in OVERLOAD_STATUSES:
                    window.overloaded(permit, retry_after)
                    paused = retry_after is not None
                elif status in RETRYABLE_STATUSES:
                    window.failed(permit)
                else:
                    window.answered(permit)
                if status not in RETRYABLE_STATUSES:
                    return response
                code, message, _ = store_error(response)
                failure = UpstreamUnavailable(
                    f"the store is unavailable ({status} {code}): {message}",
                    retry_after=retry_after,
                )
                retryable = idempotent or status == 429
            if not retryable or attempt >= self._retry.max_attempts:
                raise failure
            if retry_after is not None:
                if retry_after > self._retry.max_delay:
                    raise failure
                if not paused:  # else the window's pause is the wait
                    await self._sleep(retry_after)
            else:
                await self._sleep(self._retry.backoff(attempt, self._rng))

    async def _wait_out_pause(self, window: StoreWindow) -> None:
        pause = window.paused_for()
        if pause > self._retry.max_delay:
            raise UpstreamUnavailable(
                f"the store asked for a pause of {pause:.0f} s", retry_after=pause
            )
        if pause > 0:
            await self._sleep(pause)

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

"""The SSRF guard: store URLs must resolve to public addresses over http(s)."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from wooconnect.adapters.woocommerce import StoreAddressRefused, WooCommerceClient, guard_store_url
from wooconnect.app.errors import UpstreamRejected
from wooconnect.app.ports.store import StoreAccess
from wooconnect.domain.connection import StoreCredentials
from wooconnect.domain.errors import InvalidStoreUrl
from wooconnect.domain.store_url import StoreUrl


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080", "loopback"),
        ("https://10.1.2.3", "private"),
        ("https://10.255.255.254:8443/shop", "private"),
        ("http://169.254.169.254", "link-local"),
        ("https://[::1]", "loopback"),
        ("https://[::ffff:127.0.0.1]", "loopback"),
        ("https://100.64.0.1", "non-public"),
        ("https://0.0.0.0", "unspecified"),
    ],
)
async def test_private_and_special_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(StoreAddressRefused, match=reason):
        await guard_store_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://shop.example.com", "gopher://x"])
async def test_non_http_schemes_are_refused_even_when_private_stores_are_allowed(url: str) -> None:
    for allow in (False, True):
        with pytest.raises(StoreAddressRefused, match="must use http or https"):
            await guard_store_url(url, allow_private=allow)


async def test_a_name_resolving_to_a_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def fake_getaddrinfo(host: str, port: int, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    import asyncio

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(StoreAddressRefused, match=r"10\.0\.0\.7, a private address"):
        await guard_store_url(StoreUrl.parse("https://rebind.example.com"), allow_private=False)


async def test_localhost_is_refused_by_resolution() -> None:
    with pytest.raises(StoreAddressRefused, match="loopback"):
        await guard_store_url("http://localhost:8100", allow_private=False)


async def test_public_addresses_pass_and_private_ones_pass_when_allowed() -> None:
    await guard_store_url("https://93.184.216.34", allow_private=False)
    await guard_store_url("http://127.0.0.1:8100", allow_private=True)


def test_a_refusal_is_an_invalid_store_url_for_the_http_layer() -> None:
    assert issubclass(StoreAddressRefused, InvalidStoreUrl)


async def test_the_client_refuses_to_call_a_private_store() -> None:
    calls: list[httpx.Request] = []
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
    )
    client = WooCommerceClient(http)
    access = StoreAccess(
        "c", StoreUrl.parse("https://169.254.169.254"), StoreCredentials("ck_a", "cs_b")
    )
    with pytest.raises(UpstreamRejected) as caught:
        await client.get_order(access, 1)
    assert caught.value.store_code == "wooconnect_address_refused"
    assert calls == []

"""Refuse store URLs that would make the service call into its own network.

A store URL is chosen by a user; without this guard it could point the service (and its
stored keys) at loopback, a cloud metadata endpoint or a private network. Development and
tests opt out with `WOOCONNECT_ALLOW_PRIVATE_STORES`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from wooconnect.domain.errors import InvalidStoreUrl
from wooconnect.domain.store_url import StoreUrl

ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class StoreAddressRefused(InvalidStoreUrl):
    """The store URL resolves to an address the service must not call, or uses a scheme
    other than http(s). A domain `InvalidStoreUrl`, so it surfaces as a 422 on `store_url`."""


def refusal_reason(address: IPAddress) -> str | None:
    """Why an address is not a public store address, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal_reason(address.ipv4_mapped)
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_private, "a private address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    # Shared (CGNAT) space and other special ranges are not global without being "private".
    return None if address.is_global else "a non-public address"


async def guard_store_url(url: StoreUrl | str, *, allow_private: bool) -> None:
    """Raise `StoreAddressRefused` unless every address the store's host resolves to is public.

    Text is accepted so that non-http(s) schemes (`file:`, `ftp:`) are refused here too; they
    are refused even when private stores are allowed.
    """
    if isinstance(url, str):
        scheme = urlsplit(url.strip()).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise StoreAddressRefused(
                "the store URL must use http or https, not "
                + (f"`{scheme}`" if scheme else "a URL without a scheme")
            )
        url = StoreUrl.parse(url, allow_insecure=True)
    if allow_private:
        return
    addresses = await host_addresses(url.host, url.port or (443 if url.is_secure else 80))
    if not addresses:
        raise StoreAddressRefused(f"the store URL's host {url.host} does not resolve")
    for address in addresses:
        reason = refusal_reason(address)
        if reason is not None:
            raise StoreAddressRefused(
                f"the store URL's host {url.host} resolves to {address}, {reason}"
            )


async def host_addresses(host: str, port: int) -> list[IPAddress]:
    """The addresses a connection to `host` may reach: the host itself when it is an address,
    else every address it resolves to (none when it does not resolve)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    # IPv6 scope ids ("fe80::1%eth0") are not part of the address itself.
    return [ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]) for *_, sockaddr in infos]

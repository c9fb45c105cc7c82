"""The store URL a location connects: validated once, compared by its normalised domain."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from wooconnect.domain.errors import InsecureStoreUrl, InvalidStoreUrl

_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True, slots=True)
class StoreUrl:
    """A WooCommerce store's home URL: scheme, host (IDNA), optional port and sub-directory path.

    `value` is the canonical text (`https://shop.example.com/store`), `domain` the key by which
    connection criteria compare stores: the host without `www.`, a non-default port, and the path.
    """

    scheme: str
    host: str
    port: int | None
    path: str

    @classmethod
    def parse(cls, raw: str, *, allow_insecure: bool = False) -> StoreUrl:
        """Validate `raw` as a store URL; raise `InvalidStoreUrl` with the reason otherwise.

        `allow_insecure` admits plain http (development stores); it is the operator's setting.
        """
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidStoreUrl("the store URL is empty")
        text = raw.strip()
        if any(ch.isspace() for ch in text) or any(ord(ch) < 32 for ch in text):
            raise InvalidStoreUrl("the store URL contains white space or control characters")
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise InvalidStoreUrl(f"not a URL: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or "//" not in text:
            raise InvalidStoreUrl("not a URL: the store URL must start with https://")
        if scheme == "http" and not allow_insecure:
            raise InsecureStoreUrl("the store URL must use https")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise InvalidStoreUrl("the store URL must not contain credentials")
        if not parts.hostname:
            raise InvalidStoreUrl("the store URL has no host")
        if parts.query or text.endswith("?"):
            raise InvalidStoreUrl("the store URL must not contain a query string")
        if parts.fragment or "#" in text:
            raise InvalidStoreUrl("the store URL must not contain a fragment")
        if text.endswith("/"):
            raise InvalidStoreUrl("the store URL must not end with a trailing slash")
        host = _normalise_host(parts.hostname or "")
        path = parts.path
        if "//" in path or "/../" in f"{path}/" or "/./" in f"{path}/":
            raise InvalidStoreUrl("the store URL has an unusual path")
        if port == _DEFAULT_PORTS[scheme]:
            port = None
        return cls(scheme=scheme, host=host, port=port, path=path)

    @property
    def value(self) -> str:
        """The canonical URL text, without a trailing slash."""
        netloc = self._netloc()
        return f"{self.scheme}://{netloc}{self.path}"

    @property
    def domain(self) -> str:
        """The normalised store domain used to compare stores (criteria, bindings)."""
        host = self.host.removeprefix("www.")
        port = f":{self.port}" if self.port is not None else ""
        return f"{host}{port}{self.path.lower()}"

    @property
    def is_secure(self) -> bool:
        return self.scheme == "https"

    def join(self, path: str) -> str:
        """The URL of a path below the store's home, e.g. `/wp-json/wc/v3/orders`."""
        return f"{self.value}/{path.lstrip('/')}"

    def _netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    def __str__(self) -> str:
        return self.value


def _normalise_host(host: str) -> str:
    if not host:
        raise InvalidStoreUrl("the store URL has no host")
    host = host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidStoreUrl("the store URL's host is not a valid domain name") from None
    labels = ascii_host.split(".")
    if any(not label or len(label) > 63 for label in labels) or len(ascii_host) > 253:
        raise InvalidStoreUrl("the store URL's host is not a valid domain name")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    if any(
        set(label) - allowed or label.startswith("-") or label.endswith("-") for label in labels
    ):
        raise InvalidStoreUrl("the store URL's host is not a valid domain name")
    return ascii_host

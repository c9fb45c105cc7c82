"""The WooCommerce key grant's addresses: the store page where the merchant approves, the
callback where the store posts the keys, and the page the merchant's browser returns to.

A store refuses a grant whose callback is not https ("The callback_url needs to be over
SSL"), so over a plain-http public URL the grant is not offered at all, and the connection
says why, unless the operator opted in for a development store that takes http callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from wooconnect.app.ports.store import StoreDirectory
from wooconnect.domain.connection import Connection

CALLBACK_PATH = "/api/v1/woocommerce/callback"
RETURN_PATH = "/api/v1/woocommerce/return"


@dataclass(frozen=True, slots=True)
class GrantOffer:
    """What a connection awaiting authorization offers: the store page that approves it, or,
    when the key grant cannot work here, why not (manual keys still work)."""

    authorize_url: str | None
    unavailable: str | None = None


class KeyGrantLinks:
    def __init__(self, directory: StoreDirectory, public_url: str, *, allow_http: bool) -> None:
        """`public_url` is where stores reach the service; `allow_http` offers the grant over
        plain http too (a development store that takes http callbacks)."""
        self._directory = directory
        self._public_url = public_url.rstrip("/")
        self._allow_http = allow_http

    @property
    def unavailable(self) -> str | None:
        """Why the key grant cannot work with this service, or None when it can."""
        if self._public_url.lower().startswith("https://") or self._allow_http:
            return None
        return (
            f"the key grant cannot work: WooCommerce stores require an https callback_url and "
            f"the service's public URL is {self._public_url}; enter the consumer key and "
            f"secret by hand, or serve the service over https (WOOCONNECT_PUBLIC_URL)"
        )

    def callback_url(self, state: str) -> str:
        return f"{self._public_url}{CALLBACK_PATH}/{state}"

    @property
    def return_url(self) -> str:
        """Where the store sends the merchant's browser after approving or declining; it
        appends `success=1|0&user_id=<state>`."""
        return f"{self._public_url}{RETURN_PATH}"

    def offer(self, connection: Connection, state: str | None) -> GrantOffer:
        """The offer for `connection` with its current grant `state` (None: no usable one)."""
        reason = self.unavailable
        if reason is not None or state is None:
            return GrantOffer(None, reason)
        url = self._directory.authorize_url(
            connection.store_url,
            state=state,
            return_url=self.return_url,
            callback_url=self.callback_url(state),
        )
        return GrantOffer(url)

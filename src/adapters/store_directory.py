"""The store-directory port over the WooCommerce adapter: address checks and the grant URL."""

from __future__ import annotations

from wooconnect.adapters.settings import ALLOW_PRIVATE_STORES_HINT
from wooconnect.adapters.woocommerce.keygrant import build_authorize_url
from wooconnect.adapters.woocommerce.ssrf import guard_store_url
from wooconnect.app.errors import ValidationFailed
from wooconnect.domain.errors import InvalidStoreUrl
from wooconnect.domain.store_url import StoreUrl


class WooCommerceDirectory:
    def __init__(self, *, allow_private_stores: bool, app_name: str = "wooconnect") -> None:
        self._allow_private = allow_private_stores
        self._app_name = app_name

    async def check_address(self, url: StoreUrl) -> None:
        try:
            await guard_store_url(url, allow_private=self._allow_private)
        except InvalidStoreUrl as exc:
            reason = f"{exc} ({ALLOW_PRIVATE_STORES_HINT})"
            raise ValidationFailed(reason, {"store_url": reason}) from None

    def authorize_url(
        self, url: StoreUrl, *, state: str, return_url: str, callback_url: str
    ) -> str:
        return build_authorize_url(
            url,
            app_name=self._app_name,
            state=state,
            return_url=return_url,
            callback_url=callback_url,
        )

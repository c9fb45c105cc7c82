"""Managing a store's webhooks: list, create with our own secret, delete, and keep healthy."""

from __future__ import annotations

import secrets
import string
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import httpx
import msgspec

from wooconnect.adapters.woocommerce import decode
from wooconnect.app.errors import UpstreamRejected, UpstreamRequestInvalid, UpstreamUndecodable
from wooconnect.app.ports.store import WEBHOOK_TOPICS, NewWebhook, StoreAccess
from wooconnect.domain.store import StoreWebhook

# The topics the service registers (see `app.ports.store.WEBHOOK_TOPICS`).
WebhookTopics: Final[tuple[str, ...]] = WEBHOOK_TOPICS

_SECRET_ALPHABET = string.ascii_letters + string.digits
# A store takes at most this many items in one batch request, creates and deletes together
# (`woocommerce_rest_batch_items_limit`; more is refused with 413).
BATCH_LIMIT = 100


def generate_webhook_secret(length: int = 40) -> str:
    """A fresh webhook secret. Alphanumeric on purpose: a store HTML-decodes the secret before
    signing, so `&`, `<`, quotes would make signatures mismatch."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length))


class WebhookManager:
    """The webhook half of the store client; mixed into `WooCommerceClient`."""

    _page_size: int

    # `WooCommerceClient._request`: send with the connection's auth mode, raise the app error
    # for any failure.
    _request: Callable[..., Awaitable[httpx.Response]]

    async def list_webhooks(self, access: StoreAccess) -> list[StoreWebhook]:
        """Every webhook of the store, whatever its status."""
        found: list[StoreWebhook] = []
        page = 1
        while True:
            params = {"status": "all", "per_page": str(self._page_size), "page": str(page)}
            response = await self._request(access, "GET", "webhooks", params)
            items, errors = decode.decode_records(
                response.content, decode.WEBHOOK_STRUCT, decode.to_webhook
            )
            if errors:
                raise UpstreamUndecodable(f"webhook {errors[0].record_id}: {errors[0].reason}")
            found.extend(items)
            total_pages = response.headers.get("X-WP-TotalPages", "1").strip()
            if not items or page >= (int(total_pages) if total_pages.isdigit() else page):
                return found
            page += 1

    async def create_webhook(
        self, access: StoreAccess, *, topic: str, delivery_url: str, secret: str, name: str
    ) -> StoreWebhook:
        """Register a webhook with *our* secret: a store never returns the one it generates.

        The store pings `delivery_url` before answering; a failed ping does not fail this.
        """
        _check_secret(secret)
        body = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret}
        response = await self._request(access, "POST", "webhooks", {}, json=body, idempotent=False)
        try:
            return decode.decode_webhook(response.content)
        except decode.UndecodablePayload as exc:
            raise UpstreamUndecodable(str(exc)) from None

    async def delete_webhook(self, access: StoreAccess, webhook_id: int) -> None:
        """Delete for good (`force=true`: webhooks cannot be trashed); a webhook that is
        already gone counts as deleted."""
        try:
            await self._request(access, "DELETE", f"webhooks/{webhook_id}", {"force": "true"})
        except UpstreamRejected as exc:
            if exc.status == 404 and exc.store_code.endswith("_invalid_id"):
                return
            raise

    async def change_webhooks(
        self,
        access: StoreAccess,
        *,
        create: Sequence[NewWebhook] = (),
        delete: Sequence[int] = (),
    ) -> list[StoreWebhook]:
        """Create and delete webhooks with `POST /webhooks/batch`: one request (per
        `BATCH_LIMIT` items) instead of one each. The store creates before it deletes, and
        pings each webhook it creates before answering. A webhook already gone counts as
        deleted; an item the store refuses is raised once the whole batch has been answered
        (the webhooks it did create exist)."""
        for hook in create:
            _check_secret(hook.secret)
        items: list[tuple[str, Any]] = [
            *(
                (
                    "create",
                    {
                        "name": h.name,
                        "topic": h.topic,
                        "delivery_url": h.delivery_url,
                        "secret": h.secret,
                    },
                )
                for h in create
            ),
            *(("delete", webhook_id) for webhook_id in delete),
        ]
        created: list[StoreWebhook] = []
        refused: list[_Refused] = []
        for start in range(0, len(items), BATCH_LIMIT):
            chunk = items[start : start + BATCH_LIMIT]
            body: dict[str, list[Any]] = {}
            for operation, item in chunk:
                body.setdefault(operation, []).append(item)
            response = await self._request(
                access, "POST", "webhooks/batch", {}, json=body, idempotent=False
            )
            answer = _decode_batch(response.content)
            for raw in answer.create:
                refusal = _refusal(raw)
                if refusal is not None:
                    refused.append(refusal)
                    continue
                try:
                    created.append(decode.decode_webhook(raw))
                except decode.UndecodablePayload as exc:
                    raise UpstreamUndecodable(str(exc)) from None
            for raw in answer.delete:
                refusal = _refusal(raw)
                gone = refusal is not None and refusal.code.endswith("_invalid_id")
                if refusal is not None and not gone:
                    refused.append(refusal)
        if refused:
            raise refused[0].error()
        return created


def _check_secret(secret: str) -> None:
    if not secret or not secret.isalnum() or not secret.isascii():
        raise ValueError("a webhook secret must be non-empty ASCII letters and digits")


class _BatchAnswer(msgspec.Struct):
    create: list[msgspec.Raw] = msgspec.field(default_factory=list)
    delete: list[msgspec.Raw] = msgspec.field(default_factory=list)


class _ItemErrorData(msgspec.Struct):
    status: int = 400


class _ItemError(msgspec.Struct):
    code: str
    message: str = ""
    data: _ItemErrorData | None = None


class _Item(msgspec.Struct):
    error: _ItemError | None = None


class _Refused(msgspec.Struct):
    status: int
    code: str
    message: str

    def error(self) -> UpstreamRejected | UpstreamRequestInvalid:
        if self.status in (401, 403, 404):
            return UpstreamRejected(self.status, self.code, self.message)
        return UpstreamRequestInvalid(
            f"the store refused a webhook ({self.status} {self.code}): {self.message}"
        )


def _decode_batch(body: bytes) -> _BatchAnswer:
    """A batch answer: an object with a list per operation, or `[]` (PHP's empty array)."""
    try:
        answer = msgspec.json.decode(body, type=_BatchAnswer | list[msgspec.Raw])
    except msgspec.DecodeError as exc:
        raise UpstreamUndecodable(f"webhooks batch: {exc}") from None
    return answer if isinstance(answer, _BatchAnswer) else _BatchAnswer()


def _refusal(raw: msgspec.Raw) -> _Refused | None:
    """The error a batch answers in place of an item, if it is one."""
    try:
        error = msgspec.json.decode(raw, type=_Item).error
    except msgspec.DecodeError:
        return None  # not an object with an error: the item itself, decoded by the caller
    if error is None:
        return None
    return _Refused(error.data.status if error.data else 400, error.code, error.message)

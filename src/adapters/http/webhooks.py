"""The receiver the store delivers webhooks to: verify, store, acknowledge.

A store sends deliveries in bursts, and this route is the one whose cost per request limits
how many a process takes. It reads what it needs from the ASGI scope (the path parameter,
the four `X-WC-Webhook-*` headers) and answers with a body encoded once at import, rather
than through Litestar's parameter parsing and response rendering; the OpenAPI document still
describes it (`responses`). Errors take the app's usual path (`adapters.http.errors`).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import ClientException, InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK
from litestar.types import ASGIApp, Receive, Scope, Send

from adapters.http.deps import container_of
from adapters.http.metrics import RECEIVER
from app.errors import AppError
from app.receiving import Incoming

# Read by hand, not by Litestar: the signature covers the exact bytes the store sent.
MAX_DELIVERY_BYTES = 1024 * 1024

_TOPIC = b"x-wc-webhook-topic"
_SIGNATURE = b"x-wc-webhook-signature"
_WEBHOOK_ID = b"x-wc-webhook-id"
_DELIVERY_ID = b"x-wc-webhook-delivery-id"
_CONTENT_LENGTH = b"content-length"
_WANTED = frozenset({_TOPIC, _SIGNATURE, _WEBHOOK_ID, _DELIVERY_ID, _CONTENT_LENGTH})


class ReceivedOut(msgspec.Struct):
    """The store only reads the status code; the body says what became of the delivery."""

    status: Literal["ping", "stored", "duplicate"]


class _Answer:
    """A 200 with a fixed JSON body, sent as two ASGI messages: what `ASGIResponse` would send,
    without building its headers for every request."""

    __slots__ = ("_body", "_headers")

    def __init__(self, out: ReceivedOut) -> None:
        self._body = msgspec.json.encode(out)
        self._headers = (
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self._body)).encode()),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": list(self._headers)})
        await send({"type": "http.response.body", "body": self._body, "more_body": False})


_ANSWERS = {kind: _Answer(ReceivedOut(status=kind)) for kind in ("ping", "stored", "duplicate")}


class WebhookReceiverController(Controller):
    path = "/webhooks/woocommerce"
    tags = ["webhooks"]

    @post(
        "/{connection_id:str}",
        operation_id="receiveWebhook",
        summary="Where the store delivers webhooks (signed with the connection's secret)",
        status_code=HTTP_200_OK,
        security=[],
        request_max_body_size=MAX_DELIVERY_BYTES,
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=ReceivedOut,
                generate_examples=False,
                description="Received: a ping, a stored delivery, or a duplicate of one",
            )
        },
    )
    async def receive(self, request: Request[Any, Any, Any]) -> ASGIApp:
        RECEIVER.received += 1
        scope = request.scope
        headers = {
            name: value.decode("latin-1") for name, value in scope["headers"] if name in _WANTED
        }
        incoming = Incoming(
            connection_id=scope["path_params"]["connection_id"],
            body=await read_body(request.receive, headers.get(_CONTENT_LENGTH)),
            topic=headers.get(_TOPIC),
            signature=headers.get(_SIGNATURE),
            webhook_id=headers.get(_WEBHOOK_ID),
            delivery_id=headers.get(_DELIVERY_ID),
        )
        try:
            received = await container_of(request).services.receiving.receive(incoming)
        except AppError as exc:
            RECEIVER.reject(exc.code)
            raise
        RECEIVER.accept(received.kind)
        return _ANSWERS[received.kind]


async def read_body(receive: Receive, content_length: str | None) -> bytes:
    """The body as Litestar's `Request.body` reads it, with its limit and its errors; a body
    that came in one message (the usual delivery) is returned without copying."""
    if content_length is not None:
        try:
            announced = int(content_length)
        except ValueError:
            raise ClientException(f"Invalid content-length: {content_length!r}") from None
        if announced > MAX_DELIVERY_BYTES:
            raise RequestEntityTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise InternalServerException("client disconnected prematurely")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_DELIVERY_BYTES:
            raise RequestEntityTooLarge
        if not message.get("more_body", False):
            if not chunks:
                return chunk
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)

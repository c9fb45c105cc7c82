"""The receiver the store delivers webhooks to: verify, store, acknowledge.

`Receiving.receive` verifies the signature and answers once the delivery is stored in the
inbox (it is handed to the queue after that commit); this handler only translates the request
into an `Incoming` and counts what became of it. Errors take the app's usual path
(`adapters.http.errors`).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Request, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from wooconnect.adapters.http.deps import RECEIVER, Injected, Receiver
from wooconnect.app.errors import AppError
from wooconnect.app.receiving import Incoming

# The signature covers the exact bytes the store sent, so the body is read as bytes, whole,
# up to this limit (413 above it, 400 for a Content-Length that is not a number).
MAX_DELIVERY_BYTES = 1024 * 1024


class ReceivedOut(msgspec.Struct):
    """The store only reads the status code; the body says what became of the delivery."""

    status: Literal["ping", "stored", "duplicate"]


_ANSWERS = {kind: ReceivedOut(status=kind) for kind in ("ping", "stored", "duplicate")}


class WebhookReceiverController(Controller):
    path = "/webhooks/woocommerce"
    tags = ["webhooks"]
    dependencies = RECEIVER

    @post(
        "/{connection_id:str}",
        operation_id="receiveWebhook",
        summary="Where the store delivers webhooks (signed with the connection's secret)",
        status_code=HTTP_200_OK,
        security=[],
        request_max_body_size=MAX_DELIVERY_BYTES,
        # Replaces the description Litestar derives from the return annotation.
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=ReceivedOut,
                generate_examples=False,
                description="Received: a ping, a stored delivery, or a duplicate of one",
            )
        },
    )
    async def receive(
        self,
        request: Request[Any, Any, Any],
        connection_id: FromPath[str],
        receiver: Injected[Receiver],
    ) -> ReceivedOut:
        # Counted before the body is read: a delivery refused for its size was received too.
        counters = receiver.counters
        counters.received += 1
        headers = request.headers
        incoming = Incoming(
            connection_id=connection_id,
            body=await request.body(),
            topic=headers.get("x-wc-webhook-topic"),
            signature=headers.get("x-wc-webhook-signature"),
            webhook_id=headers.get("x-wc-webhook-id"),
            delivery_id=headers.get("x-wc-webhook-delivery-id"),
        )
        try:
            received = await receiver.receiving.receive(incoming)
        except AppError as exc:
            counters.reject(exc.code)
            raise
        counters.accept(received.kind)
        return _ANSWERS[received.kind]

"""The receiver the store delivers webhooks to: verify, store, acknowledge."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from adapters.http.deps import container_of
from adapters.http.metrics import RECEIVER
from app.errors import AppError
from app.receiving import Incoming

# Read by hand, not by Litestar: the signature covers the exact bytes the store sent.
MAX_DELIVERY_BYTES = 1024 * 1024


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
    )
    async def receive(
        self, request: Request[Any, Any, Any], connection_id: FromPath[str]
    ) -> dict[str, str]:
        RECEIVER.received += 1
        body = await request.body()
        headers = request.headers
        incoming = Incoming(
            connection_id=connection_id,
            body=body,
            topic=headers.get("x-wc-webhook-topic"),
            signature=headers.get("x-wc-webhook-signature"),
            webhook_id=headers.get("x-wc-webhook-id"),
            delivery_id=headers.get("x-wc-webhook-delivery-id"),
        )
        try:
            received = await container_of(request).services.receiving.receive(incoming)
        except AppError as exc:
            RECEIVER.reject(exc.code)
            raise
        RECEIVER.accept(received.kind)
        return {"status": received.kind}

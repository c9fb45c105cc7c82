"""The key-grant callback: the store POSTs the merchant's new keys here."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from adapters.http.deps import container_of
from adapters.woocommerce.keygrant import KeyGrantInvalid, decode_key_grant
from app.errors import ValidationFailed


class KeyGrantController(Controller):
    path = "/api/v1/woocommerce"
    tags = ["woocommerce"]

    @post(
        "/callback/{grant_state:str}",
        operation_id="keyGrantCallback",
        summary="Where the store sends the keys after the merchant approves (no bearer token)",
        status_code=HTTP_200_OK,
        security=[],
    )
    async def callback(
        self, request: Request[Any, Any, Any], grant_state: FromPath[str]
    ) -> dict[str, str]:
        body = await request.body()
        try:
            grant = decode_key_grant(body)
        except KeyGrantInvalid as exc:
            raise ValidationFailed(str(exc), {"body": str(exc)}) from None
        connection = await container_of(request).services.connecting.accept_key_grant(
            grant_state, grant
        )
        # Exactly 200, or the store deletes the key it just made.
        return {"status": connection.status.value}

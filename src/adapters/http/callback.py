"""The key-grant callback: the store POSTs the merchant's new keys here."""

from __future__ import annotations

from litestar import Controller, post
from litestar.params import FromPath, RawBody
from litestar.status_codes import HTTP_200_OK

from wooconnect.adapters.http.bodies import decode_json_body
from wooconnect.adapters.http.deps import CONNECTING, Injected
from wooconnect.adapters.woocommerce.keygrant import KeyGrantInvalid, decode_key_grant
from wooconnect.app.connecting import Connecting
from wooconnect.app.errors import ValidationFailed


class KeyGrantController(Controller):
    path = "/api/v1/woocommerce"
    tags = ["woocommerce"]
    dependencies = CONNECTING

    @post(
        "/callback/{grant_state:str}",
        operation_id="keyGrantCallback",
        summary="Where the store sends the keys after the merchant approves (no bearer token)",
        status_code=HTTP_200_OK,
        security=[],
    )
    async def callback(
        self, connecting: Injected[Connecting], grant_state: FromPath[str], body: RawBody
    ) -> dict[str, str]:
        if not body:
            raise ValidationFailed("the key grant has no body", {"body": "required"})
        decode_json_body(body)  # 400 for a body that is not JSON the API reads
        try:
            grant = decode_key_grant(body)
        except KeyGrantInvalid as exc:
            raise ValidationFailed(str(exc), {"body": str(exc)}) from None
        view = await connecting.accept_key_grant(grant_state, grant)
        # Exactly 200, or the store deletes the key it just made.
        return {"status": view.connection.status.value}

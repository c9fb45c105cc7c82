"""The key grant's two public doors: the callback, where the store POSTs the merchant's new
keys, and the page the merchant's browser returns to from the store's approval page. Neither
takes a bearer token."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from litestar import Controller, MediaType, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER, HTTP_404_NOT_FOUND

from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.http.bodies import decode_json_body
from wooconnect.adapters.http.deps import CONNECTING, CONTAINER, Injected
from wooconnect.adapters.woocommerce.keygrant import KeyGrantInvalid, decode_key_grant
from wooconnect.app.connecting import Connecting
from wooconnect.app.errors import NotFound, ValidationFailed
from wooconnect.app.queries import GrantOutcome, GrantReturn

_SENTENCES = {
    GrantOutcome.CONNECTED: "Your store is now connected to {location}. You can close this tab.",
    GrantOutcome.DECLINED: "The connection was declined. You can close this tab.",
    GrantOutcome.NOT_CONNECTED: (
        "The store did not complete the connection to {location}. "
        "Return to your CRM to see why and try again."
    ),
}
_UNKNOWN = "This link is not valid. Return to your CRM and start the connection again."


def _page(sentence: str, status: int) -> Response[str]:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>WooCommerce connection</title></head>"
        f'<body style="font-family: sans-serif; margin: 3em;"><p>{sentence}</p></body></html>'
    )
    return Response(
        body,
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def returned_page(returned: GrantReturn) -> Response[str]:
    """The service's own page: the outcome, and for a connection the location's name only."""
    sentence = _SENTENCES[returned.outcome].format(location=html.escape(returned.location_name))
    return _page(sentence, HTTP_200_OK)


def redirect_to(base: str, returned: GrantReturn) -> Response[str]:
    """To the CRM's own page, with the connection id and the outcome."""
    query = urlencode({"connection_id": returned.connection_id, "outcome": returned.outcome})
    location = f"{base}{'&' if '?' in base else '?'}{query}"
    return Response(
        "",
        status_code=HTTP_303_SEE_OTHER,
        headers={"Location": location, "Cache-Control": "no-store"},
    )


class KeyGrantController(Controller):
    path = "/api/v1/woocommerce"
    tags = ["woocommerce"]
    dependencies = {**CONNECTING, **CONTAINER}

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

    @get(
        "/return",
        operation_id="keyGrantReturn",
        summary="The page the merchant's browser returns to from the store (no bearer token)",
        description=(
            "The store appends `success=1|0&user_id=<state>`. Answers a small HTML page that "
            "says whether the store is connected (and to which location) or the connection "
            "was declined; or, when WOOCONNECT_CONNECT_RETURN_URL is set, 303 to that URL "
            "with `connection_id` and `outcome` (connected, declined, not_connected)."
        ),
        media_type=MediaType.HTML,
        security=[],
        responses={
            HTTP_303_SEE_OTHER: ResponseSpec(
                None, description="To WOOCONNECT_CONNECT_RETURN_URL, when it is set"
            ),
            HTTP_404_NOT_FOUND: ResponseSpec(
                str,
                media_type=MediaType.HTML,
                generate_examples=False,
                description="A link the service did not issue: a page that says so",
            ),
        },
    )
    async def returned(
        self,
        container: Injected[Container],
        success: FromQuery[str | None] = None,
        user_id: FromQuery[str | None] = None,
    ) -> Response[str]:
        if not user_id:
            return _page(_UNKNOWN, HTTP_404_NOT_FOUND)
        try:
            returned = await container.services.queries.grant_return(user_id, success == "1")
        except NotFound:
            return _page(_UNKNOWN, HTTP_404_NOT_FOUND)
        base = container.settings.connect_return_url
        return redirect_to(base, returned) if base else returned_page(returned)

"""The little HTTP toolkit the simulator is written with: plain ASGI, so that status codes,
headers and body bytes are exactly what a WordPress store would send."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from wooconnect.adapters.woocommerce.simulator.payloads import error_body, wp_json_encode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WP_HEADERS = {
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Expose-Headers": "X-WP-Total, X-WP-TotalPages, Link",
    "Access-Control-Allow-Headers": (
        "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type"
    ),
}


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    # Query pairs in order, and the PHP view of them (last value wins), plus form fields.
    query_pairs: list[tuple[str, str]] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def read(cls, scope: Scope, receive: Receive) -> Request:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query_string = scope.get("query_string", b"").decode("latin-1")
        request = cls(
            scope["method"].upper(), scope["path"], query_string, headers, b"".join(chunks)
        )
        request.query_pairs = parse_qsl(query_string, keep_blank_values=True)
        request.params = dict(request.query_pairs)
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            # Form fields are part of `$_POST`, hence of an OAuth signature; JSON is not.
            request.params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        return request

    def json(self) -> dict[str, Any]:
        """The JSON object body, or form fields; `{}` when there is none."""
        if self.headers.get("content-type", "").startswith("application/json") and self.body:
            loaded = json.loads(self.body)
            if not isinstance(loaded, dict):
                raise ValueError("the body must be a JSON object")
            return loaded
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        return {}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    async def send(self, send: Send) -> None:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        raw.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        await send({"type": "http.response.body", "body": self.body})


def wp_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A REST API answer as WordPress encodes it."""
    return Response(
        status,
        wp_json_encode(payload),
        {"Content-Type": "application/json; charset=UTF-8", **WP_HEADERS, **(headers or {})},
    )


def wp_error(status: int, code: str, message: str, **data: Any) -> Response:
    return wp_response(status, error_body(code, message, status, **data))


def plain_json(status: int, payload: Any) -> Response:
    """A control-endpoint answer (not WooCommerce; ordinary JSON)."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json"})


def html(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status,
        text.encode("utf-8"),
        {"Content-Type": "text/html; charset=UTF-8", **(headers or {})},
    )

"""What the OpenAPI document says beyond the success answer: the error bodies and who may call.

Every error answer has the same body (`ErrorOut`, see `adapters.http.errors`); this pass adds
it, for the status codes each operation can answer, to every operation of an app, and marks
the operations that need the bearer token (all but health, metrics, the webhook receiver and
the key-grant callback, which declare `security=[]`).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from wooconnect.adapters.http.schemas import ErrorOut

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]

_DESCRIPTIONS = {
    400: "The request is malformed: the body is not JSON, nests too deep or names a field twice",
    401: "No valid bearer token, or (webhooks) no valid signature",
    404: "Not found, or not visible to this token",
    409: "Refused in the current state (criteria, already connected, illegal transition)",
    413: "The body is larger than 1 MiB",
    415: "The body is not JSON",
    422: "A field of the body or the query is not valid, or unknown; `fields` says which and why",
    502: "The store answered something unusable",
    503: "The store, the database or the queue is unavailable for now; retry after `Retry-After`",
}

_STORE_CALLING = ("/connections/", "/woocommerce")


def _error(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=ErrorOut, generate_examples=False, description=_DESCRIPTIONS[status]
    )


def error_statuses(handler: HTTPRouteHandler, path: str) -> list[int]:
    """The error statuses an operation can answer."""
    methods = {method.upper() for method in handler.http_methods}
    public = handler.security is not None and len(handler.security) == 0
    if path in {"/healthz", "/metrics"}:
        return []
    if path == "/readyz":
        return [503]
    # Every operation reads the database: while it is unreachable, 503.
    statuses = [400, 401, 404, 422, 503]
    if methods & {"POST", "PUT", "PATCH", "DELETE"}:
        statuses += [409, 413]
    if "data" in handler.parsed_fn_signature.parameters:
        statuses += [415]
    if methods - {"GET"} and any(part in path for part in _STORE_CALLING) and not public:
        statuses += [502]
    return sorted(set(statuses))


def document_responses(app: Litestar) -> None:
    """Add the error answers and the security requirement to each of `app`'s operations."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            errors = {status: _error(status) for status in error_statuses(handler, route.path)}
            handler.responses = {**errors, **(handler.responses or {})}
            if handler.security is None:
                handler.security = BEARER

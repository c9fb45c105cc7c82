"""What every operation behind a bearer token checks before it reads anything else of the
request: the caller first (401 without a valid token, whatever the body or the query says),
then the query's parameter names (422 for one the operation does not know).

Litestar runs a handler's guards before it reads the body or resolves any dependency. The
controllers that need a token derive from `ApiController`; the public routes (health, metrics,
the webhook receiver, the key-grant callback) run no guard.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Litestar
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler

from wooconnect.adapters.bootstrap import Container
from wooconnect.app.auth import authenticate
from wooconnect.app.errors import ValidationFailed

# The key of `HTTPRouteHandler.opt` under which `record_query_parameters` keeps the names.
QUERY_PARAMETERS = "query_parameters"

_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


async def authenticated(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The caller from `Authorization: Bearer <token>`, kept in the request's state for
    `deps.provide_principal`; 401 without a valid token."""
    container: Container = connection.app.state.container
    scheme, _space, token = connection.headers.get("authorization", "").partition(" ")
    async with container.uow() as uow:
        connection.state.principal = await authenticate(
            token.strip() if scheme.lower() == "bearer" else None,
            container.secrets.admin_token,
            uow,
        )


def known_query_parameters(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """422 when the query names a parameter the operation does not take: a filter misspelt
    or unsupported would otherwise be ignored, and the answer taken for a filtered one."""
    known: frozenset[str] = handler.opt.get(QUERY_PARAMETERS, frozenset())
    unknown = sorted(set(connection.query_params) - known)
    if unknown:
        accepted = ", ".join(sorted(known)) or "none"
        raise ValidationFailed(
            f"unknown query parameter {', '.join(unknown)} (this operation takes: {accepted})",
            dict.fromkeys(unknown, f"not a parameter of this operation; it takes: {accepted}"),
        )


API_GUARDS = [authenticated, known_query_parameters]


class ApiController(Controller):
    """The operations behind a bearer token: under `/api/v1`, each checked by `API_GUARDS`."""

    path = "/api/v1"
    guards = API_GUARDS


def record_query_parameters(app: Litestar) -> None:
    """Note on each operation of `app` the query parameters its OpenAPI document lists: those
    are the ones `known_query_parameters` lets through, so the document and the API agree."""
    by_operation: dict[str, frozenset[str]] = {}
    for path_item in (app.openapi_schema.paths or {}).values():
        for method in _OPERATIONS:
            operation = getattr(path_item, method, None)
            if operation is None or not operation.operation_id:
                continue
            by_operation[operation.operation_id] = frozenset(
                parameter.name
                for parameter in operation.parameters or ()
                if getattr(parameter, "param_in", None) == "query"
            )
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler) and isinstance(handler.operation_id, str):
                handler.opt[QUERY_PARAMETERS] = by_operation.get(handler.operation_id, frozenset())

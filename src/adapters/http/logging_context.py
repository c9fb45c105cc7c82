"""Binds the ids in a request's path (connection, location) to its log lines."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from wooconnect.app.log_context import log_context

_PATH_FIELDS = ("connection_id", "location_id")


def log_context_middleware(app: ASGIApp) -> ASGIApp:
    """Litestar middleware (it runs after routing, so the path parameters are known): every
    line logged while the request is handled carries its connection and location ids."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        params = scope.get("path_params") or {}
        ids = {name: str(params[name]) for name in _PATH_FIELDS if params.get(name)}
        with log_context(**ids):
            await app(scope, receive, send)

    return middleware

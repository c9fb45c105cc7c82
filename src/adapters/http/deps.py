"""Dependencies of the controllers: the caller, and the use cases from the container."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from adapters.bootstrap import Container
from app.auth import Principal, authenticate
from app.errors import ValidationFailed

MAX_LIMIT = 500

# The authenticated caller, provided by `provide_principal` to every handler that names it.
Caller = NamedDependency[Principal]
# A page's size and the cursor it starts after, from `page_params`.
Paging = NamedDependency[tuple[int, str | None]]


def container_of(request: Request[Any, Any, Any]) -> Container:
    container: Container = request.app.state.container
    return container


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller from `Authorization: Bearer <token>`; 401 without a valid token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    container = container_of(request)
    async with container.uow() as uow:
        return await authenticate(
            token.strip() if scheme.lower() == "bearer" else None,
            container.secrets.admin_token,
            uow,
        )


def page_params(
    limit: Annotated[int, QueryParameter(description="page size, 1 to 500")] = 50,
    cursor: Annotated[str | None, QueryParameter(description="from a previous page")] = None,
) -> tuple[int, str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed("limit must be between 1 and 500", {"limit": "between 1 and 500"})
    if cursor is not None and (len(cursor) > 100 or not cursor.strip()):
        raise ValidationFailed("the cursor is not one this API gave", {"cursor": "unknown cursor"})
    return limit, cursor

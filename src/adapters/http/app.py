"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar

from adapters.bootstrap import Container, bootstrap
from adapters.http.health import HealthController
from adapters.settings import Settings


def create_app(
    settings: Settings | None = None,
    *,
    container_factory: Callable[[], Awaitable[Container]] | None = None,
) -> Litestar:
    """Build the API. The container (engine, clients) is opened and closed by the lifespan."""

    async def _default_factory() -> Container:
        return await bootstrap(settings)

    make_container = container_factory or _default_factory

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        container = await make_container()
        app.state.container = container
        try:
            yield
        finally:
            await container.close()

    return Litestar(
        route_handlers=[HealthController],
        lifespan=[lifespan],
        request_max_body_size=1024 * 1024,
    )

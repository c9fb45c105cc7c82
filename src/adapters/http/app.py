"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar

from adapters.bootstrap import Container, bootstrap
from adapters.http.health import HealthController
from adapters.settings import Settings
from adapters.worker.registry import build_registry as default_registry
from adapters.worker.runtime import InProcessWorker, start_in_process
from adapters.worker.tasks import TaskRegistry


def create_app(
    settings: Settings | None = None,
    *,
    container_factory: Callable[[], Awaitable[Container]] | None = None,
    build_registry: Callable[[Container], TaskRegistry] = default_registry,
) -> Litestar:
    """Build the API. The container (engine, clients) is opened and closed by the lifespan;
    without Redis the lifespan also runs the in-process worker with `build_registry`'s tasks."""

    async def _default_factory() -> Container:
        return await bootstrap(settings)

    make_container = container_factory or _default_factory

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        container = await make_container()
        app.state.container = container
        worker: InProcessWorker | None = None
        try:
            if container.settings.redis_url is None:
                worker = await start_in_process(container, build_registry)
            app.state.worker = worker
            yield
        finally:
            try:
                if worker is not None:
                    await worker.stop()
            finally:
                await container.close()

    return Litestar(
        route_handlers=[HealthController],
        lifespan=[lifespan],
        request_max_body_size=1024 * 1024,
    )

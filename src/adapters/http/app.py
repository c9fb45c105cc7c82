"""The Litestar application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar

from wooconnect.adapters.bootstrap import Container, bootstrap
from wooconnect.adapters.http.bodies import ApiRequest
from wooconnect.adapters.http.callback import KeyGrantController
from wooconnect.adapters.http.connections import ConnectionController
from wooconnect.adapters.http.crm import CrmController
from wooconnect.adapters.http.deps import PRINCIPAL
from wooconnect.adapters.http.docs import docs_assets, openapi_config
from wooconnect.adapters.http.errors import EXCEPTION_HANDLERS
from wooconnect.adapters.http.guards import record_query_parameters
from wooconnect.adapters.http.health import HealthController
from wooconnect.adapters.http.logging_context import log_context_middleware
from wooconnect.adapters.http.metrics import MetricsController
from wooconnect.adapters.http.openapi_responses import document_responses
from wooconnect.adapters.http.rules import RulesController
from wooconnect.adapters.http.subscriptions import SubscriptionController
from wooconnect.adapters.http.tenancy import TenancyController
from wooconnect.adapters.http.webhooks import WebhookReceiverController
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.embedded import EmbeddedWorker

MAX_BODY_BYTES = 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    container_factory: Callable[[], Awaitable[Container]] | None = None,
) -> Litestar:
    """Build the API. The container (engine, clients) is opened and closed by the lifespan;
    without Redis the lifespan also runs the worker (`adapters.worker.embedded`)."""

    async def _default_factory() -> Container:
        return await bootstrap(settings)

    make_container = container_factory or _default_factory

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        container = await make_container()
        app.state.container = container
        worker: EmbeddedWorker | None = None
        try:
            if not container.job_queue.on_redis:
                worker = await EmbeddedWorker.start(container)
            app.state.worker = worker
            yield
        finally:
            try:
                if worker is not None:
                    await worker.stop()
            finally:
                await container.close()

    app = Litestar(
        route_handlers=[
            HealthController,
            TenancyController,
            ConnectionController,
            CrmController,
            RulesController,
            KeyGrantController,
            WebhookReceiverController,
            MetricsController,
            SubscriptionController,
            docs_assets(),
        ],
        dependencies=PRINCIPAL,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[log_context_middleware],
        # The process configures logging (adapters.logging_setup); Litestar's default would
        # replace the root handler with its own format.
        logging_config=None,
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        request_class=ApiRequest,
        openapi_config=openapi_config(version="0.1.0"),
    )
    document_responses(app)
    record_query_parameters(app)
    return app

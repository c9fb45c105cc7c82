"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.http.deps import CONTAINER, Injected
from wooconnect.adapters.http.errors import RETRY_AFTER_S


class HealthController(Controller):
    tags = ["operations"]
    # Readiness is the container's own question: whether its engine and broker answer.
    dependencies = CONTAINER

    @get("/healthz", operation_id="healthz", summary="The process is up", security=[])
    async def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/readyz",
        operation_id="readyz",
        summary="The database (and Redis) are reachable",
        security=[],
    )
    async def readyz(self, container: Injected[Container]) -> Response[dict[str, object]]:
        checks = {"database": await container.database_ready()}
        redis = await container.redis_ready()
        if redis is not None:
            checks["redis"] = redis
        ready = all(checks.values())
        return Response(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE,
            headers=None if ready else {"Retry-After": str(RETRY_AFTER_S)},
        )

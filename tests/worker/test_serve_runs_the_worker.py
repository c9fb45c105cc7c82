"""Without Redis, `serve` runs the worker in-process: the API's lifespan starts and stops it,
and a start resumes the import jobs the last run left unfinished."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from litestar.testing import AsyncTestClient

from adapters.bootstrap import Container, bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings
from adapters.worker.dramatiq_broker import DramatiqJobQueue
from adapters.worker.inprocess import InProcessJobQueue
from adapters.worker.registry import build_registry, register_resume_unfinished_imports
from adapters.worker.tasks import TaskRegistry
from app.tasks import IMPORT_RUN
from domain.connection import Connection, ConnectionStatus, StoreCredentials
from domain.ids import new_id
from domain.jobs import ImportEntity, ImportJob, JobStatus
from domain.store_url import StoreUrl
from domain.tenancy import Agency, Location
from tests.support.services import REDIS_URL, require_redis

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _embedded(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
        }
    )


async def _seed_import_jobs(container: Container) -> dict[JobStatus, str]:
    async with container.uow() as uow:
        agency = Agency(new_id(), "Agency", T0)
        await uow.agencies.add(agency)
        location = Location(new_id(), agency.id, "Location", T0)
        await uow.locations.add(location)
        connection = Connection(
            id=new_id(),
            location_id=location.id,
            agency_id=agency.id,
            store_url=StoreUrl.parse("https://shop.example.com"),
            status=ConnectionStatus.AWAITING_AUTHORIZATION,
            created_at=T0,
            updated_at=T0,
        ).authorize(StoreCredentials("ck_key", "cs_secret"), T0)
        await uow.connections.add(connection)
        ids: dict[JobStatus, str] = {}
        for entity, status in zip(ImportEntity, JobStatus, strict=False):
            job = ImportJob(new_id(), connection.id, entity, 1, status, T0)
            await uow.import_jobs.add(job)
            ids[status] = job.id
        await uow.commit()
    return ids


async def test_serve_runs_enqueued_tasks_in_process_while_it_is_up(tmp_path: Path) -> None:
    handled: asyncio.Queue[str] = asyncio.Queue()

    def registry_with_probe(container: Container) -> TaskRegistry:
        registry = build_registry(container)
        registry.register("probe.run", handled.put)
        return registry

    app = create_app(_embedded(tmp_path), build_registry=registry_with_probe)
    # The app's own lifespan, on this event loop (the test client runs it on another thread).
    async with app.lifespan():
        container: Container = app.state.container
        queue = container.job_queue
        assert isinstance(queue, InProcessJobQueue)
        assert queue.running
        await queue.enqueue("probe.run", "entity-1")
        assert await asyncio.wait_for(handled.get(), timeout=5) == "entity-1"
    assert not queue.running


async def test_a_start_enqueues_the_import_jobs_left_queued_or_running(tmp_path: Path) -> None:
    settings = _embedded(tmp_path)
    seeding = await bootstrap(settings)
    jobs = await _seed_import_jobs(seeding)
    await seeding.close()
    resumed: list[str] = []

    async def run_import(job_id: str) -> None:
        resumed.append(job_id)

    def register_import_probe(registry: TaskRegistry, container: Container) -> None:
        registry.register(IMPORT_RUN, run_import)

    app = create_app(
        settings,
        build_registry=lambda c: build_registry(
            c, (register_resume_unfinished_imports, register_import_probe)
        ),
    )
    async with app.lifespan():
        queue = app.state.container.job_queue
        await asyncio.wait_for(queue.join(), timeout=5)
    assert sorted(resumed) == sorted([jobs[JobStatus.QUEUED], jobs[JobStatus.RUNNING]])


async def test_with_redis_configured_serve_sends_jobs_to_redis_and_checks_it_when_ready(
    tmp_path: Path,
) -> None:
    require_redis()
    settings = Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
            "WOOCONNECT_REDIS_URL": REDIS_URL,
        }
    )
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        ready = await client.get("/readyz")
        assert isinstance(app.state.container.job_queue, DramatiqJobQueue)
        assert app.state.worker is None
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "redis": True}


async def test_readiness_fails_while_the_configured_redis_is_unreachable(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
            "WOOCONNECT_REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": True, "redis": False}

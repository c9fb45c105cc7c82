"""Without Redis, `serve` runs the actors itself: Dramatiq's in-memory broker worked by a
`dramatiq.Worker` inside the API's lifespan. A start resumes the import jobs the last run left
unfinished; the actors retry as Dramatiq's options say; an import job whose task gives up is
`failed` with its reason, in the API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.records import agency_and_location, connection_of
from tests.support.services import REDIS_URL, require_redis
from tests.support.waiting import PATIENCE_S, eventually_async
from wooconnect.adapters.bootstrap import Container, bootstrap
from wooconnect.adapters.http.app import create_app
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.embedded import EmbeddedWorker
from wooconnect.app.errors import UpstreamRequestInvalid, UpstreamUnavailable
from wooconnect.app.importing import ImportRunner
from wooconnect.app.live_sync import LiveSync
from wooconnect.app.tasks import DELIVERY_PROCESS, IMPORT_RUN
from wooconnect.domain.ids import new_id
from wooconnect.domain.jobs import ImportEntity, ImportJob, JobStatus

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN_TOKEN = "serve-admin-token"
# Retries in milliseconds rather than the production actors' seconds, set per message.
FAST = {"min_backoff": 10, "max_backoff": 20}
# How long a hanging import task would run if nothing interrupted it.
HANG_S = 60.0


def _embedded(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
            "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )


async def _seed_import_jobs(container: Container) -> dict[JobStatus, str]:
    """A connection with a queued contacts job, a running orders job and a completed
    transactions job."""
    async with container.uow() as uow:
        agency, location = agency_and_location(T0)
        await uow.agencies.add(agency)
        await uow.locations.add(location)
        connection = connection_of(location, T0)
        await uow.connections.add(connection)
        ids: dict[JobStatus, str] = {}
        for entity, status in zip(ImportEntity, JobStatus, strict=False):
            job = ImportJob(new_id(), connection.id, entity, 1, status, T0)
            await uow.import_jobs.add(job)
            ids[status] = job.id
        await uow.commit()
    return ids


@dataclass
class FakeImports:
    """Stands in for `ImportRunner.run`: notes each call's time, raises what it is given."""

    failures: list[BaseException] = field(default_factory=list)
    calls: list[tuple[str, float]] = field(default_factory=list)
    always: BaseException | None = None
    hang: bool = False
    cancelled: list[str] = field(default_factory=list)

    async def run(self, job_id: str) -> None:
        self.calls.append((job_id, time.monotonic()))
        if self.hang:
            try:
                await asyncio.sleep(HANG_S)
            except asyncio.CancelledError:
                self.cancelled.append(job_id)
                raise
        if self.always is not None:
            raise self.always
        if self.failures:
            raise self.failures.pop(0)


@dataclass(frozen=True, slots=True)
class _RunsFaked(ImportRunner):
    """The services' import runner (its resume sends the unfinished jobs), whose runs are
    `imports`'."""

    imports: FakeImports = field(kw_only=True)

    async def run(self, job_id: str) -> None:
        await self.imports.run(job_id)


@dataclass
class FakeDeliveries:
    """Stands in for `LiveSync.process` and `process_many`: notes the calls; the ids in
    `fail_once` fail their first time, and a batch that holds one fails whole."""

    fail_once: set[str] = field(default_factory=set)
    batches: list[list[str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    async def process(self, delivery_id: str) -> None:
        self.calls.append(delivery_id)
        if delivery_id in self.fail_once:
            self.fail_once.discard(delivery_id)
            raise RuntimeError(f"{delivery_id} failed")

    async def process_many(self, delivery_ids: Sequence[str]) -> None:
        self.batches.append(list(delivery_ids))
        if self.fail_once.intersection(delivery_ids):
            raise RuntimeError("the batch failed")
        self.calls += delivery_ids


@dataclass(frozen=True, slots=True)
class _ProcessesFaked(LiveSync):
    """The services' live sync, whose deliveries are `deliveries'`."""

    deliveries: FakeDeliveries = field(kw_only=True)

    async def process(self, delivery_id: str) -> None:
        await self.deliveries.process(delivery_id)

    async def process_many(self, delivery_ids: Sequence[str]) -> None:
        await self.deliveries.process_many(delivery_ids)


@dataclass
class Serving:
    app: Litestar
    container: Container
    worker: EmbeddedWorker
    jobs: dict[JobStatus, str]

    def send(self, job_id: str, **options: Any) -> None:
        actor = self.container.job_queue.broker.get_actor(IMPORT_RUN)
        actor.send_with_options(args=(job_id,), **{**FAST, **options})

    async def job(self, job_id: str) -> ImportJob:
        async with self.container.uow() as uow:
            job = await uow.import_jobs.get(job_id)
        assert job is not None
        return job


@asynccontextmanager
async def serving(
    tmp_path: Path, imports: FakeImports | None = None, deliveries: FakeDeliveries | None = None
) -> AsyncIterator[Serving]:
    """`serve`'s lifespan on this loop, over a database seeded with import jobs; with
    `imports` or `deliveries`, the import actor's or the delivery actors' use case is replaced
    by it."""
    settings = _embedded(tmp_path)
    seeding = await bootstrap(settings)
    jobs = await _seed_import_jobs(seeding)
    await seeding.close()

    async def container() -> Container:
        built = await bootstrap(settings)
        if imports is not None:
            real = built.services.importer
            runner = _RunsFaked(
                real.uow, real.clock, real.store, real.applier, real.queue, imports=imports
            )
            built.services = replace(built.services, importer=runner)
        if deliveries is not None:
            real_sync = built.services.live_sync
            faked = _ProcessesFaked(
                real_sync.uow,
                real_sync.clock,
                real_sync.store,
                real_sync.codec,
                real_sync.policy,
                real_sync.applier,
                real_sync.fanout,
                deliveries=deliveries,
            )
            built.services = replace(built.services, live_sync=faked)
        return built

    app = create_app(settings, container_factory=container)
    async with app.lifespan():
        yield Serving(app, app.state.container, app.state.worker, jobs)


async def test_a_start_enqueues_the_import_jobs_left_queued_or_running(tmp_path: Path) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
    assert sorted(job_id for job_id, _ in imports.calls) == sorted(
        [serve.jobs[JobStatus.QUEUED], serve.jobs[JobStatus.RUNNING]]
    )


async def test_serve_runs_the_actors_while_it_is_up_and_stops_them_with_it(
    tmp_path: Path,
) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        imports.calls.clear()
        await serve.container.job_queue.enqueue(IMPORT_RUN, "job-x")
        await serve.worker.join(timeout_s=PATIENCE_S)
        assert [job_id for job_id, _ in imports.calls] == ["job-x"]
    assert serve.app.state.worker is serve.worker
    # Stopped: a message sent now waits in memory for a next start that will not come.
    await serve.container.job_queue.enqueue(IMPORT_RUN, "job-y")
    await asyncio.sleep(0.3)
    assert [job_id for job_id, _ in imports.calls] == ["job-x"]


async def test_a_stopping_serve_interrupts_the_tasks_still_running(tmp_path: Path) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        imports.hang = True
        await serve.container.job_queue.enqueue(IMPORT_RUN, "job-long")

        async def running() -> bool:
            return any(job_id == "job-long" for job_id, _ in imports.calls)

        await eventually_async(running, what="the long job runs")
        stopping = time.monotonic()
    # Its job stays unfinished in the database, and the next start resumes it.
    assert time.monotonic() - stopping < HANG_S / 2, "the stop waited for the task"
    assert imports.cancelled == ["job-long"]


async def test_deliveries_handed_on_together_run_together_and_one_that_fails_is_retried_alone(
    tmp_path: Path,
) -> None:
    deliveries = FakeDeliveries(fail_once={"d-2"})
    async with serving(tmp_path, deliveries=deliveries) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        await serve.container.job_queue.enqueue_many(DELIVERY_PROCESS, ["d-1", "d-2", "d-3"])
        await serve.worker.join(timeout_s=PATIENCE_S)
    # One transaction for the three; when it fails, each alone; d-2, failing alone too, is
    # retried in a message of its own while the others are not run again.
    assert deliveries.batches == [["d-1", "d-2", "d-3"]]
    assert sorted(deliveries.calls) == ["d-1", "d-2", "d-2", "d-3"]


async def test_an_unavailable_store_is_retried_until_the_task_succeeds(tmp_path: Path) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        imports.calls.clear()
        imports.failures = [UpstreamUnavailable("503"), UpstreamUnavailable("timed out")]
        serve.send("job-1")
        await serve.worker.join(timeout_s=PATIENCE_S)
    assert [job_id for job_id, _ in imports.calls] == ["job-1"] * 3


async def test_a_store_that_gives_retry_after_is_asked_again_only_after_it(
    tmp_path: Path,
) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        imports.calls.clear()
        imports.failures = [UpstreamUnavailable("429", retry_after=0.5)]
        serve.send("job-1")
        await serve.worker.join(timeout_s=PATIENCE_S)
    (_, first), (_, second) = imports.calls
    # The actor's own backoff here is 10-20 ms.
    assert second - first >= 0.5


async def test_a_permanent_error_is_not_retried_and_fails_the_job_with_its_reason(
    tmp_path: Path,
) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        imports.calls.clear()
        job_id = serve.jobs[JobStatus.QUEUED]
        imports.always = UpstreamRequestInvalid("the store refused our request as malformed")
        serve.send(job_id)
        await serve.worker.join(timeout_s=PATIENCE_S)
        job = await serve.job(job_id)
    assert len(imports.calls) == 1
    assert job.status is JobStatus.FAILED
    assert job.last_error == "the store refused our request as malformed"


async def test_an_import_whose_retries_run_out_is_failed_with_the_reason_in_the_api(
    tmp_path: Path,
) -> None:
    imports = FakeImports()
    async with serving(tmp_path, imports) as serve:
        await serve.worker.join(timeout_s=PATIENCE_S)
        imports.calls.clear()
        job_id = serve.jobs[JobStatus.QUEUED]
        imports.always = RuntimeError("the database went away")
        serve.send(job_id, max_retries=2)

        async def failed() -> bool:
            return (await serve.job(job_id)).status is JobStatus.FAILED

        await eventually_async(failed, what="the job has failed")
        job = await serve.job(job_id)
        # The running app, without a second lifespan.
        transport = httpx.ASGITransport(app=serve.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://serve") as client:
            answer = await client.get(
                f"/api/v1/connections/{job.connection_id}",
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
    assert len(imports.calls) == 3
    shown = next(j for j in answer.json()["imports"] if j["id"] == job_id)
    assert shown["status"] == "failed"
    assert shown["last_error"] == ("gave up after 3 attempts: RuntimeError: the database went away")


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
        assert app.state.container.job_queue.on_redis
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

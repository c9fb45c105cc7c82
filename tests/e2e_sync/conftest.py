"""One running service (API, worker process, Redis, PostgreSQL) for the whole package; each
test connects a store of its own to a location of its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.e2e_sync.support import Service, running_service
from tests.support.services import in_ci, require_postgres


@pytest.fixture(scope="session")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    require_postgres()
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if in_ci():
            pytest.fail(message + " (CI=true: services must be up)")
        pytest.skip(message)
    with running_service(tmp_path_factory.mktemp("e2e-sync")) as service:
        yield service


@pytest.fixture
def service(running: Service) -> Service:
    """The running service, with its worker alive and Redis up whatever the last test did."""
    if running.redis.process is None:
        running.redis.start()
    if running.worker is None or running.worker.process.poll() is not None:
        running.start_worker()
    return running

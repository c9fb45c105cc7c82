"""Each live-sync test runs the production shape of its own (API, worker process, a Redis
server and a PostgreSQL database of its own) and connects a store of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.service import PRODUCTION, Service, running_service


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with running_service(PRODUCTION, tmp_path) as running:
        yield running

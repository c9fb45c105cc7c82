"""A `wooconnect worker` start says only what happened, and its heartbeat is what the
container health check (`wooconnect health worker`) reads."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_FERNET_KEY
from tests.support.processes import RedisServer, WorkerProcess
from tests.support.service import require_redis_server, worker_env
from tests.support.waiting import eventually
from wooconnect.adapters.cli.worker import ENTRY
from wooconnect.adapters.worker.heartbeat import heartbeat_path

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    require_redis_server()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    try:
        yield worker_env(
            {
                "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'wooconnect.db'}",
                "WOOCONNECT_REDIS_URL": redis.url,
                "WOOCONNECT_SECRET_KEY": TEST_FERNET_KEY,
                "WOOCONNECT_ADMIN_TOKEN": "wc_admin_test",
                "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
                "WOOCONNECT_LOG_FORMAT": "text",
            }
        )
    finally:
        redis.stop()


def _health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wooconnect.adapters.cli.main", "health", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_worker_on_a_new_database_logs_no_migration_chatter_nor_lost_messages(
    env: dict[str, str], tmp_path: Path
) -> None:
    worker = WorkerProcess(env, tmp_path / "worker.log", entry=ENTRY)
    try:
        worker.wait_ready()
    finally:
        worker.stop()

    assert "alembic" not in worker.log
    assert "lost" not in worker.log
    assert "database migrated to " in worker.log  # its SQLite file was new
    assert "re-sent" not in worker.log  # nothing was pending


def test_the_health_check_passes_while_the_worker_beats_and_fails_once_it_stopped(
    env: dict[str, str], tmp_path: Path
) -> None:
    before = _health(env)
    assert before.returncode == 1
    assert "no worker heartbeat" in before.stderr

    worker = WorkerProcess(env, tmp_path / "worker.log", entry=ENTRY)
    try:
        worker.wait_ready()
        beat = heartbeat_path(Path(env["WOOCONNECT_VAR_DIR"]))
        eventually(beat.exists, what="the first heartbeat")
        alive = _health(env)
    finally:
        worker.stop()

    assert alive.returncode == 0, alive.stderr
    assert alive.stdout.startswith("worker alive")

    a_minute_ago = time.time() - 60
    os.utime(beat, (a_minute_ago, a_minute_ago))
    stale = _health(env)
    assert stale.returncode == 1
    [line] = stale.stderr.splitlines()
    # The command's own start-up adds its seconds on a loaded machine.
    age = re.search(r"last heartbeat is (\d+) s old", line)
    assert age is not None, line
    assert 60 <= int(age.group(1)) < 90

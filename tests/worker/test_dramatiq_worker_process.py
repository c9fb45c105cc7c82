"""`wooconnect worker` on Redis: real worker processes run what `DramatiqJobQueue` sends,
retry, dead-letter permanent failures, run the periodic jobs, and lose nothing when killed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from dramatiq.brokers.redis import RedisBroker

from tests.support.processes import ROOT, WorkerProcess
from tests.support.services import REDIS_URL, require_redis
from tests.support.waiting import eventually_async
from tests.worker.probes import FLAKY, RECORD, REJECTED, STALL_ONCE, declare_probes, lines
from wooconnect.adapters.worker.brokers import sender_broker
from wooconnect.adapters.worker.job_queue import DramatiqJobQueue

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ENTRY = "tests.worker.probe_worker_app:broker"


class ProbeSetup:
    def __init__(self, directory: Path) -> None:
        self.namespace = f"wooconnect-test-{uuid.uuid4().hex[:10]}"
        self.out = directory / "out"
        self.out.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
        env.update(
            PYTHONPATH=os.pathsep.join([str(ROOT / ".ci" / "pythonpath"), str(ROOT)]),
            WOOCONNECT_REDIS_URL=REDIS_URL,
            WOOCONNECT_DATABASE_URL=f"sqlite:///{directory / 'var' / 'db.sqlite'}",
            WOOCONNECT_VAR_DIR=str(directory / "var"),
            WOOCONNECT_LOG_FORMAT="text",
            PROBE_OUT=str(self.out),
            PROBE_NAMESPACE=self.namespace,
            # Idle consumers poll Redis every 200 ms; each poll is also the worker's heartbeat.
            dramatiq_worker_timeout="200",
        )
        self.env = env
        self.directory = directory
        broker = sender_broker(REDIS_URL, namespace=self.namespace)
        declare_probes(broker)
        self.queue = DramatiqJobQueue(broker)

    def start_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.env, self.directory / "worker.log", ENTRY)
        worker.wait_ready()
        return worker

    def count(self, name: str) -> int:
        return lines(self.out, name)

    def forget(self) -> None:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{self.namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        assert isinstance(self.queue.broker, RedisBroker)
        self.queue.broker.client.close()


@pytest.fixture
def probes(tmp_path: Path) -> Iterator[ProbeSetup]:
    require_redis()
    setup = ProbeSetup(tmp_path)
    yield setup
    setup.forget()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeSetup]:
    """One worker shared by the tests that need it only to be running."""
    require_redis()
    setup = ProbeSetup(tmp_path_factory.mktemp("worker"))
    worker = setup.start_worker()
    yield setup
    worker.stop()
    setup.forget()


async def test_a_message_sent_by_the_job_queue_is_processed_by_a_worker_process(
    running: ProbeSetup,
) -> None:
    await running.queue.enqueue(RECORD, "a1")
    await eventually_async(lambda: running.count("done-a1") == 1, what="a1 done")


async def test_a_delayed_message_runs_only_after_its_delay(running: ProbeSetup) -> None:
    await running.queue.enqueue(RECORD, "d1", delay_s=1.0)
    await asyncio.sleep(0.5)
    assert running.count("done-d1") == 0
    await eventually_async(lambda: running.count("done-d1") == 1, what="d1 done")


async def test_a_failing_task_is_retried_by_the_worker_until_it_succeeds(
    running: ProbeSetup,
) -> None:
    await running.queue.enqueue(FLAKY, "f1")
    await eventually_async(lambda: running.count("done-f1") == 1, what="f1 done")
    assert running.count("attempt-f1") == 3


async def test_a_permanent_failure_is_not_retried_and_is_dead_lettered(
    running: ProbeSetup,
) -> None:
    await running.queue.enqueue(REJECTED, "r1")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await eventually_async(
            lambda: client.zcard(f"{running.namespace}:probe.XQ") == 1, what="r1 dead-lettered"
        )
    finally:
        client.close()
    await asyncio.sleep(0.3)
    assert running.count("attempt-r1") == 1


async def test_periodic_jobs_run_inside_the_worker(running: ProbeSetup) -> None:
    # The recovery sweep claims a slot every two seconds (a Redis key per slot it fired in).
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await eventually_async(
            lambda: len(client.keys(f"{running.namespace}:periodic:recovery:*")) >= 2,
            what="the recovery sweep fired twice",
        )
    finally:
        client.close()


async def test_a_message_in_flight_when_the_worker_is_killed_runs_after_a_restart(
    probes: ProbeSetup,
) -> None:
    first = probes.start_worker()
    await probes.queue.enqueue(STALL_ONCE, "s1")
    await eventually_async(lambda: probes.count("started-s1") == 1, what="s1 started")
    first.kill()

    second = probes.start_worker()
    try:
        # Back in the queue once the dead worker's heartbeat is older than the timeout.
        await eventually_async(lambda: probes.count("done-s1") == 1, what="s1 done")
    finally:
        code = second.stop()
    assert probes.count("started-s1") == 2
    assert code == 0, second.log


def test_the_worker_command_needs_redis(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
    env["PYTHONPATH"] = str(ROOT / ".ci" / "pythonpath")
    env["WOOCONNECT_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "wooconnect.adapters.cli.main", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "WOOCONNECT_REDIS_URL" in result.stderr


def test_the_worker_command_refuses_a_queue_it_does_not_know(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
    env["PYTHONPATH"] = str(ROOT / ".ci" / "pythonpath")
    env["WOOCONNECT_VAR_DIR"] = str(tmp_path)
    env["WOOCONNECT_REDIS_URL"] = "redis://127.0.0.1:1/0"  # never reached
    result = subprocess.run(
        [sys.executable, "-m", "wooconnect.adapters.cli.main", "worker", "--queues", "webhook"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown queue(s): webhook; the queues are webhooks, triggers" in result.stderr

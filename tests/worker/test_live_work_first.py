"""A worker thread that frees up takes live work (webhook and trigger deliveries) before the
imports and reconciliations that were waiting longer: the actors' Dramatiq priorities."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Retries, TimeLimit

from tests.support.waiting import eventually
from wooconnect.adapters.worker.actors import WorkerLifespan, declare_actors
from wooconnect.app.tasks import (
    DELIVERY_PROCESS,
    IMPORT_RUN,
    RECONCILE_CONNECTION,
    TRIGGER_DELIVER,
)


class Recorder:
    """Stands in for the use cases: records what started, in order; the import of job
    `blocking` holds its thread until `release` is set."""

    def __init__(self, blocking: str) -> None:
        self.started: list[str] = []
        self.blocking = blocking
        self.release = threading.Event()

    async def run(self, entity_id: str) -> None:
        self.started.append(entity_id)
        if entity_id == self.blocking:
            await asyncio.to_thread(self.release.wait)

    def services(self) -> Any:
        return SimpleNamespace(
            importer=SimpleNamespace(run=self.run),
            live_sync=SimpleNamespace(reconcile=self.run),
            webhook_health=SimpleNamespace(heal=_nothing),
            subscriptions=SimpleNamespace(deliver=self.run),
        )


async def _nothing(_: str) -> None:
    return None


class RecordingLifespan(WorkerLifespan):
    """The actors' view of the worker, without a container: every use case is the recorder."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self._recorder = recorder

    @property
    def services(self) -> Any:
        return self._recorder.services()

    @property
    def deliveries(self) -> Any:
        return SimpleNamespace(process=self._recorder.run)


@pytest.fixture
def one_thread() -> Iterator[tuple[StubBroker, Recorder]]:
    recorder = Recorder(blocking="import-1")
    broker = StubBroker(middleware=[Retries(), TimeLimit(), AsyncIO()])
    declare_actors(broker, RecordingLifespan(recorder))
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        yield broker, recorder
    finally:
        recorder.release.set()
        worker.stop(5_000)
        broker.close()


def test_a_freed_thread_takes_live_work_before_the_imports_waiting_longer(
    one_thread: tuple[StubBroker, Recorder],
) -> None:
    broker, recorder = one_thread

    def send(task: str, entity_id: str) -> None:
        broker.enqueue(broker.get_actor(task).message(entity_id))

    send(IMPORT_RUN, "import-1")
    eventually(lambda: recorder.started == ["import-1"], what="the import holds the only thread")
    send(IMPORT_RUN, "import-2")
    send(RECONCILE_CONNECTION, "reconcile-1")
    send(DELIVERY_PROCESS, "delivery-1")
    send(TRIGGER_DELIVER, "trigger-1")
    # Every message has left its queue for the worker's own, where they wait for the thread.
    eventually(
        lambda: all(queue.qsize() == 0 for queue in broker.queues.values()),
        what="the worker holds every message",
    )

    recorder.release.set()
    eventually(lambda: len(recorder.started) == 5, what="every task ran")
    assert sorted(recorder.started[1:3]) == ["delivery-1", "trigger-1"]
    assert sorted(recorder.started[3:]) == ["import-2", "reconcile-1"]

"""The one Dramatiq entry module the end-to-end tests start `wooconnect worker` with:

    wooconnect worker --entry tests.support.worker_app:broker

The production worker (every task, periodic job and start hook the service runs) with a short
heartbeat timeout, so that the messages a SIGKILLed worker held come back to the queue within
seconds instead of after Dramatiq's minute. Each test's worker talks to a Redis server of its
own (see `tests.support.processes.RedisServer`), so its queues, heartbeats and periodic claims
meet no other test's.
"""

from __future__ import annotations

from dramatiq.brokers.redis import MAINTENANCE_SCALE

from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.brokers import worker_broker

# Long enough that a live worker (polling every 200 ms in these tests) is never taken for dead.
HEARTBEAT_TIMEOUT_MS = 2_000

broker = worker_broker(
    Settings.from_env(),
    heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    maintenance_chance=MAINTENANCE_SCALE,
)

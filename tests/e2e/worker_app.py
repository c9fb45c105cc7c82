"""`wooconnect worker --entry tests.e2e.worker_app:broker`: the production worker (the real
tasks, handlers and start hooks) with a short heartbeat timeout, so that the message a
SIGKILLed worker held comes back to the queue in seconds rather than after Dramatiq's minute.
"""

from __future__ import annotations

from dramatiq.brokers.redis import MAINTENANCE_SCALE

from adapters.settings import Settings
from adapters.worker.brokers import worker_broker

# Long enough that a live worker (polling every 200 ms in these tests) is never taken for dead.
HEARTBEAT_TIMEOUT_MS = 2_000

broker = worker_broker(
    Settings.from_env(),
    heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    maintenance_chance=MAINTENANCE_SCALE,
)

"""`wooconnect worker --entry tests.e2e.worker_app:broker`: the production worker (the real
tasks, handlers and start hooks) with a short heartbeat timeout, so that the message a
SIGKILLed worker held comes back to the queue in seconds rather than after Dramatiq's minute.
"""

from __future__ import annotations

from dramatiq.brokers.redis import MAINTENANCE_SCALE

from adapters.settings import Settings
from adapters.worker.dramatiq_worker import build_worker_broker
from adapters.worker.registry import build_registry

# Long enough that a live worker (polling every 200 ms in these tests) is never taken for dead.
HEARTBEAT_TIMEOUT_MS = 2_000

broker = build_worker_broker(
    Settings.from_env(),
    build_registry,
    heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    maintenance_chance=MAINTENANCE_SCALE,
)

"""The Dramatiq entry module the end-to-end tests start `wooconnect worker` with: the real
registry (every task, periodic job and start hook the service runs), with a short heartbeat so
a killed worker's messages come back within seconds instead of a minute."""

from __future__ import annotations

from dramatiq.brokers.redis import MAINTENANCE_SCALE

from adapters.settings import Settings
from adapters.worker.brokers import worker_broker

# Long enough that a live worker (polling every 200 ms here) is never taken for dead.
HEARTBEAT_TIMEOUT_MS = 1_500

broker = worker_broker(
    Settings.from_env(),
    heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    maintenance_chance=MAINTENANCE_SCALE,
)

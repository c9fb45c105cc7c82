"""A Dramatiq entry module for the worker-process tests: the real worker machinery with the
probe handlers of `tests.worker.probes`.

Read by `wooconnect worker --entry tests.worker.probe_worker_app:broker`; configured through
PROBE_OUT (a directory for the probes' files) and PROBE_NAMESPACE (this run's Redis keys).
"""

from __future__ import annotations

import os

from dramatiq.brokers.redis import MAINTENANCE_SCALE

from adapters.settings import Settings
from adapters.worker.dramatiq_worker import build_worker_broker
from adapters.worker.registry import build_registry
from tests.worker.probes import PROBE_TASKS, register_probes

# Short enough that a killed worker's message comes back within seconds, long enough that a
# live worker (which polls every 200 ms in the tests) is never taken for dead.
HEARTBEAT_TIMEOUT_MS = 1_500

broker = build_worker_broker(
    Settings.from_env(),
    lambda container: build_registry(container, (register_probes,)),
    tasks=PROBE_TASKS,
    namespace=os.environ.get("PROBE_NAMESPACE", "probe"),
    heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    # Every broker command also hands dead workers' messages back, not one in a thousand.
    maintenance_chance=MAINTENANCE_SCALE,
)

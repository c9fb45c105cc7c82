"""A Dramatiq entry module for the worker-process tests: the production worker broker (the
real actors, lifespan and periodic jobs) with the probe actors of `tests.worker.probes`.

Read by `wooconnect worker --entry tests.worker.probe_worker_app:broker`; configured through
PROBE_OUT (a directory for the probes' files) and PROBE_NAMESPACE (this run's Redis keys).
"""

from __future__ import annotations

import os

from dramatiq.brokers.redis import MAINTENANCE_SCALE

from tests.worker.probes import declare_probes
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.worker.brokers import worker_broker

# Short enough that a killed worker's message comes back within seconds, long enough that a
# live worker (which polls every 200 ms in the tests) is never taken for dead.
HEARTBEAT_TIMEOUT_MS = 1_500

broker = worker_broker(
    Settings.from_env(),
    namespace=os.environ.get("PROBE_NAMESPACE", "probe"),
    heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
    # Every broker command also hands dead workers' messages back, not one in a thousand.
    maintenance_chance=MAINTENANCE_SCALE,
)
declare_probes(broker)

"""A WooCommerce store in a process, for tests, the demo and benchmarks.

`SimulatedStore` holds the data and is driven from Python; `seed_store` fills it
deterministically; `create_simulator_app` serves it as REST API v3 (plus `/wc-auth/v1` and the
`/__sim__` control endpoints); `running_simulator` runs it on a free loopback port.
"""

from wooconnect.adapters.woocommerce.simulator.app import SimulatorApp, create_simulator_app
from wooconnect.adapters.woocommerce.simulator.records import FaultConfig
from wooconnect.adapters.woocommerce.simulator.seed import derived_keys, seed_store
from wooconnect.adapters.woocommerce.simulator.server import RunningSimulator, running_simulator
from wooconnect.adapters.woocommerce.simulator.store import (
    SimulatedStore,
    StoreError,
    StoreSettings,
)

__all__ = [
    "FaultConfig",
    "RunningSimulator",
    "SimulatedStore",
    "SimulatorApp",
    "StoreError",
    "StoreSettings",
    "create_simulator_app",
    "derived_keys",
    "running_simulator",
    "seed_store",
]

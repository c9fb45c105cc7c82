"""Running the simulator inside a process: uvicorn in a background thread on a free port.

Tests, the demo and benchmarks use `running_simulator`; the store's Python API stays usable
from the caller's thread while the server answers real HTTP on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from wooconnect.adapters.background_server import listening_socket, serving_in_thread
from wooconnect.adapters.woocommerce.simulator.app import SimulatorApp, create_simulator_app
from wooconnect.adapters.woocommerce.simulator.control import GrantOutcome, approve_grant
from wooconnect.adapters.woocommerce.simulator.records import DeliveryRecord
from wooconnect.adapters.woocommerce.simulator.store import SimulatedStore
from wooconnect.adapters.woocommerce.simulator.tls import make_self_signed


@dataclass
class RunningSimulator:
    """A live simulated store: `base_url` is its home URL; `ca_file` is the certificate to
    trust when it runs with TLS (None over plain http)."""

    base_url: str
    store: SimulatedStore
    app: SimulatorApp
    ca_file: Path | None
    loop: asyncio.AbstractEventLoop

    async def wait_for_deliveries(
        self, count: int, *, kind: str = "delivery", within: float = 5.0
    ) -> list[DeliveryRecord]:
        """Wait (without blocking the caller's loop) until `count` records of `kind` exist,
        or `within` seconds have passed; returns the records of that kind."""
        deadline = time.monotonic() + within
        while True:
            with self.store.lock:
                found = [d for d in self.store.deliveries if d.kind == kind]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.01)

    def trust(self, ca_file: Path) -> None:
        """Let the store's webhook deliveries and key-grant callbacks reach a receiver whose
        certificate `ca_file` signed (a real store trusts the public certificate authorities)."""
        self.app.dispatcher.trust(str(ca_file))

    async def approve_key_grant(self, grant_id: int | None = None) -> GrantOutcome:
        """Approve a pending key grant (the newest when `grant_id` is None), from any loop:
        the callback POST runs on the simulator's own loop."""
        if grant_id is None:
            grant_id = max(self.store.grants, default=0)
        future = asyncio.run_coroutine_threadsafe(
            approve_grant(self.store, self.app.dispatcher.http, grant_id), self.loop
        )
        return await asyncio.wrap_future(future)


@contextlib.contextmanager
def running_simulator(
    store: SimulatedStore,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    latency_ms: float = 0,
    **uvicorn_options: Any,
) -> Iterator[RunningSimulator]:
    """Serve `store` on `port` (a free loopback port when 0) until the block ends.

    Plain http by default: the store then accepts OAuth 1.0a only, like a real one. With
    `tls=True` it serves https with a fresh self-signed certificate (`ca_file`) and accepts
    Basic and query-string keys. The store's home URL is set to the served URL.
    """
    sock = listening_socket(host, port)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    scheme = "https" if tls else "http"
    base_url = f"{scheme}://{host}:{port}"
    store.set_home_url(base_url)
    app = create_simulator_app(store, secure=tls, latency_ms=latency_ms)
    with tempfile.TemporaryDirectory(prefix="woo-sim-") as tmp:
        ssl_options: dict[str, Any] = {}
        ca_file: Path | None = None
        if tls:
            ca_file, key_file = make_self_signed(Path(tmp), host)
            ssl_options = {"ssl_certfile": str(ca_file), "ssl_keyfile": str(key_file)}
        config = uvicorn.Config(
            app,
            log_level="warning",
            interface="asgi3",
            lifespan="on",
            timeout_graceful_shutdown=1,
            **ssl_options,
            **uvicorn_options,
        )
        server = uvicorn.Server(config)
        loop = asyncio.new_event_loop()
        try:
            with serving_in_thread(
                server,
                lambda: loop.run_until_complete(server.serve(sockets=[sock])),
                name=f"woo-simulator-{port}",
                start_within=10,
                stop_within=10,
                not_started="the store simulator did not start",
            ):
                yield RunningSimulator(base_url, store, app, ca_file, loop)
        finally:
            loop.close()
            sock.close()

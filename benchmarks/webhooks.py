"""Webhook receiver: accepted deliveries per second against a bare endpoint, and the latency
from a delivery's receipt to its workflow trigger.

    python benchmarks/webhooks.py [--seconds S] [--repeats N] [--connections C]
                                  [--rate R] [--latency-seconds S] [--database sqlite|postgres]

Both servers run in subprocesses under uvicorn with the same options (one process, no access
log): the service (`adapters.http.app.create_app`, SQLite in a temporary directory or a fresh
PostgreSQL database, Redis for the broker) and a bare Litestar app whose one endpoint answers
200 and does nothing else.
The load generator is the same for both: this process, keep-alive HTTP/1.1 over `--connections`
sockets, each sending the next delivery as soon as the previous one is answered.

1. Latency: with a `wooconnect worker` process on the same Redis and database, deliveries of new
   orders are sent at a steady `--rate` (100/s) for `--latency-seconds`; each makes an
   "order submitted" trigger. The latency of a delivery is the trigger's `created_at` minus
   the delivery's `received_at`, both read from the database.
2. Throughput (the worker stopped, so that it does not compete for the CPU): every delivery is
   a new order version, so each one is verified, written to the inbox (in a transaction it may
   share with the deliveries received at the same time) and sent to Redis. After an untimed
   `--warmup-seconds` each, the bare endpoint and the service take turns, `--repeats` times,
   `--seconds` each; each figure is the median.

The last line of stdout is one JSON object with the figures and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import redis
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.engine import make_url

from wooconnect.adapters.bootstrap import bootstrap
from wooconnect.adapters.persistence.database import create_engine
from wooconnect.adapters.persistence.models import InboxDeliveryRow, OrderRow, TriggerEventRow
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.woocommerce.simulator import (
    SimulatedStore,
    StoreSettings,
    derived_keys,
    running_simulator,
    seed_store,
)
from wooconnect.adapters.woocommerce.simulator.payloads import wp_json_encode
from wooconnect.app.auth import ADMIN
from wooconnect.domain.connection import ImportSelection

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("WOOCONNECT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
# The server `--database postgres` makes a fresh database on (and drops it afterwards).
POSTGRES_URL = os.environ.get(
    "WOOCONNECT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
UVICORN = """
import sys, uvicorn
from {module} import {factory} as factory
uvicorn.run(factory(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False)
"""
BARE_APP = """
from litestar import Litestar, post

@post("/webhooks/woocommerce/{connection_id:str}", status_code=200)
async def receive(connection_id: str) -> dict[str, str]:
    return {"status": "stored"}

def make():
    return Litestar(route_handlers=[receive])
"""
SERVICE_APP = """
from wooconnect.adapters.http.app import create_app
from wooconnect.adapters.settings import Settings

def make():
    return create_app(Settings.from_env())
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes], within: float = 30) -> None:
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on port {port}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def served(app_source: str, workdir: Path, env: dict[str, str]) -> Iterator[int]:
    """Serve the app `app_source` defines (its `make()`) with uvicorn in a subprocess."""
    name = f"bench_app_{abs(hash(app_source))}"
    (workdir / f"{name}.py").write_text(app_source)
    port = _free_port()
    code = UVICORN.format(module=name, factory="make")
    paths = os.pathsep.join([str(workdir), str(ROOT / ".ci" / "pythonpath")])
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(port)],
        env={**env, "PYTHONPATH": paths},
        cwd=workdir,
    )
    try:
        _wait_listening(port, process)
        yield port
    finally:
        _stop(process)


@contextlib.contextmanager
def worker(
    env: dict[str, str], workdir: Path, threads: int | None, processes: int = 1
) -> Iterator[None]:
    """`wooconnect worker` (`processes` processes) on the benchmark's Redis and database."""
    more = [] if threads is None else ["--threads", str(threads)]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wooconnect.adapters.cli.main",
            "worker",
            "--processes",
            str(processes),
            *more,
        ],
        env={**env, "PYTHONPATH": str(ROOT / ".ci" / "pythonpath")},
        cwd=workdir,
    )
    try:
        yield
    finally:
        _stop(process)


# -- the load generator ---------------------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection that POSTs and reads the answer's status."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def post(self, request: bytes) -> int:
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self._reader.readexactly(length)
        return status

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


@dataclass
class Deliveries:
    """Signed order deliveries, each a new order (so each one is stored, never a duplicate)."""

    connection_id: str
    secret: str
    template: dict[str, Any]
    next_id: int = 1_000_000

    def request(self) -> tuple[int, bytes]:
        order_id = self.next_id
        self.next_id += 1
        modified = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=order_id)
        stamp = modified.strftime("%Y-%m-%dT%H:%M:%S")
        payload = {
            **self.template,
            "id": order_id,
            "number": str(order_id),
            "status": "processing",
            "customer_id": 0,
            "date_created": stamp,
            "date_created_gmt": stamp,
            "date_modified": stamp,
            "date_modified_gmt": stamp,
            "billing": {**self.template["billing"], "email": f"guest{order_id}@example.test"},
        }
        body = wp_json_encode(payload)
        signature = base64.b64encode(
            hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        ).decode()
        head = (
            f"POST /webhooks/woocommerce/{self.connection_id} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "X-WC-Webhook-Topic: order.created\r\n"
            "X-WC-Webhook-Resource: order\r\n"
            "X-WC-Webhook-Event: created\r\n"
            f"X-WC-Webhook-Signature: {signature}\r\n"
            "X-WC-Webhook-ID: 1\r\n"
            f"X-WC-Webhook-Delivery-ID: {order_id}\r\n"
            "\r\n"
        )
        return order_id, head.encode() + body


async def closed_loop(
    port: int, make_request: Callable[[], bytes], connections: int, seconds: float
) -> tuple[float, int]:
    """Answers of status 200 per second, each connection sending back to back; and how many
    answers were not 200."""
    pool = [await HttpConnection.open(port) for _ in range(connections)]
    ok = bad = 0
    deadline = 0.0

    async def run(connection: HttpConnection) -> None:
        nonlocal ok, bad
        while time.perf_counter() < deadline:
            if await connection.post(make_request()) == 200:
                ok += 1
            else:
                bad += 1

    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(run(c) for c in pool))
    elapsed = time.perf_counter() - start
    for connection in pool:
        await connection.close()
    return ok / elapsed, bad


async def open_loop(
    port: int, deliveries: Deliveries, rate: float, seconds: float
) -> tuple[list[int], int]:
    """Send deliveries at a steady `rate`, whatever the answers' pace; the order ids sent and
    how many answers were not 200."""
    idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
    opened = [await HttpConnection.open(port) for _ in range(16)]
    for connection in opened:
        idle.put_nowait(connection)
    sent: list[int] = []
    bad = 0

    async def send(request: bytes) -> None:
        nonlocal bad
        connection = await idle.get()
        try:
            if await connection.post(request) != 200:
                bad += 1
        finally:
            idle.put_nowait(connection)

    tasks = []
    start = time.perf_counter()
    for n in range(round(rate * seconds)):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        order_id, request = deliveries.request()
        sent.append(order_id)
        tasks.append(asyncio.create_task(send(request)))
    await asyncio.gather(*tasks)
    for connection in opened:
        await connection.close()
    return sent, bad


# -- set-up and measurement -----------------------------------------------------------------


async def set_up(env: dict[str, str]) -> Deliveries:
    """Migrate the database and connect a location to a small simulated store, with the
    order sync and the "order submitted" trigger on; the deliveries it will receive."""
    store = SimulatedStore(StoreSettings(), seed=5)
    seed_store(store, customers=2, orders=2, seed=5)
    key, secret = derived_keys(5)
    store.create_api_key(consumer_key=key, consumer_secret=secret)
    with running_simulator(store) as simulator:
        container = await bootstrap(Settings.from_env(env), migrate=True, watch_rules=False)
        try:
            services = container.services
            agency = await services.tenancy.create_agency(ADMIN, "Bench agency")
            location = await services.tenancy.create_location(ADMIN, agency.id, "Bench")
            connecting = services.connecting
            started = await connecting.start(ADMIN, location.id, simulator.base_url)
            connection_id = started.connection.id
            await connecting.submit_credentials(ADMIN, connection_id, key, secret)
            await connecting.set_import_selection(
                ADMIN,
                connection_id,
                ImportSelection(contacts=False, orders=False, transactions=False),
            )
            await connecting.set_sync_settings(
                ADMIN, connection_id, {"orders": True, "order_submitted_trigger": True}
            )
            active = (await connecting.activate(ADMIN, connection_id)).connection
        finally:
            await container.close()
        template = store.shapes.order(store.orders[min(store.orders)], [])
    assert active.webhook_secret is not None
    return Deliveries(connection_id, active.webhook_secret, template)


def trigger_latencies(database_url: str, order_ids: Sequence[int]) -> list[float]:
    """Seconds from each delivery's receipt to its order's trigger, for the triggers made."""
    return [latency for _, latency in trigger_timings(database_url, order_ids)]


def trigger_timings(database_url: str, order_ids: Sequence[int]) -> list[tuple[datetime, float]]:
    """Each delivery's receipt and the seconds from it to its order's trigger, for the
    triggers made."""
    wanted = set(order_ids)
    query = (
        select(
            InboxDeliveryRow.resource_id, InboxDeliveryRow.received_at, TriggerEventRow.created_at
        )
        .join(OrderRow, OrderRow.woocommerce_order_id == InboxDeliveryRow.resource_id)
        .join(TriggerEventRow, TriggerEventRow.order_id == OrderRow.id)
        .where(TriggerEventRow.type == "order_submitted")
    )

    async def read() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(query)).all())
        finally:
            await engine.dispose()

    rows = asyncio.run(read())
    return [
        (received, (made - received).total_seconds())
        for rid, received, made in rows
        if rid in wanted
    ]


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty database: a file in `workdir`, or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    name = f"wooconnect_bench_{uuid.uuid4().hex[:12]}"
    server = make_url(POSTGRES_URL)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def wait_for_triggers(database_url: str, order_ids: Sequence[int], within: float) -> list[float]:
    deadline = time.monotonic() + within
    while True:
        latencies = trigger_latencies(database_url, order_ids)
        if len(latencies) >= len(order_ids) or time.monotonic() > deadline:
            return latencies
        time.sleep(0.5)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def clear_broker() -> None:
    """Drop what the benchmark left in its Redis database (deliveries no worker took)."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def measure_latency(
    args: argparse.Namespace,
    env: dict[str, str],
    workdir: Path,
    deliveries: Deliveries,
    database_url: str,
) -> tuple[list[int], list[float], int]:
    """The order ids sent at `args.rate`, their receipt-to-trigger latencies, and how many
    answers were not 200."""
    with (
        served(SERVICE_APP, workdir, env) as port,
        worker(env, workdir, args.worker_threads, args.worker_processes),
    ):
        # Warm up: the worker is ready once a first delivery has made its trigger.
        warm_ids, _ = asyncio.run(open_loop(port, deliveries, 10, 1))
        wait_for_triggers(database_url, warm_ids, 60)
        sent, errors = asyncio.run(open_loop(port, deliveries, args.rate, args.latency_seconds))
        latencies = wait_for_triggers(database_url, sent, 60)
    print(
        f"latency     {len(latencies)}/{len(sent)} triggers at {args.rate:.0f}/s: "
        f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms",
        flush=True,
    )
    return sent, latencies, errors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="per throughput run (5)")
    parser.add_argument("--repeats", type=int, default=5, help="throughput runs per app (5)")
    parser.add_argument(
        "--warmup-seconds", type=float, default=2, help="untimed load per app first (2)"
    )
    parser.add_argument("--connections", type=int, default=16, help="load connections (16)")
    parser.add_argument("--rate", type=float, default=100, help="deliveries/s for latency (100)")
    parser.add_argument(
        "--latency-seconds", type=float, default=20, help="length of the latency run (20)"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="SQLite in a temporary file (default), or a fresh database on "
        "WOOCONNECT_BENCH_POSTGRES_URL's server",
    )
    parser.add_argument(
        "--worker-threads", type=int, default=None, help="the worker's --threads (its default)"
    )
    parser.add_argument(
        "--worker-processes", type=int, default=1, help="the worker's --processes (1)"
    )
    parser.add_argument("--skip-throughput", action="store_true", help="measure the latency only")
    parser.add_argument("--skip-latency", action="store_true", help="measure the throughput only")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="wooconnect-bench-") as tmp,
        database(args.database, Path(tmp)) as database_url,
    ):
        workdir = Path(tmp)
        env = {
            **os.environ,
            "WOOCONNECT_DATABASE_URL": database_url,
            "WOOCONNECT_REDIS_URL": REDIS_URL,
            "WOOCONNECT_SECRET_KEY": Fernet.generate_key().decode(),
            "WOOCONNECT_ADMIN_TOKEN": "bench-admin-token",
            "WOOCONNECT_ALLOW_PRIVATE_STORES": "true",
            "WOOCONNECT_RULES_DIR": str(ROOT / "rules"),
            "WOOCONNECT_VAR_DIR": str(workdir / "var"),
            "WOOCONNECT_LOG_FORMAT": "text",
        }
        clear_broker()
        deliveries = asyncio.run(set_up(env))
        try:
            sent: list[int] = []
            latencies: list[float] = []
            latency_errors = 0
            if not args.skip_latency:
                sent, latencies, latency_errors = measure_latency(
                    args, env, workdir, deliveries, database_url
                )
            bare_rates: list[float] = []
            service_rates: list[float] = []
            errors = 0
            with served(BARE_APP, workdir, env) as bare, served(SERVICE_APP, workdir, env) as app:

                def load(port: int, seconds: float) -> tuple[float, int]:
                    return asyncio.run(
                        closed_loop(
                            port, lambda: deliveries.request()[1], args.connections, seconds
                        )
                    )

                if not args.skip_throughput and args.warmup_seconds > 0:
                    # Untimed: each server's first seconds (caches filling, the database's
                    # files growing) are not its steady state.
                    for port in (bare, app):
                        load(port, args.warmup_seconds)
                for _ in range(0 if args.skip_throughput else args.repeats):
                    rate, bad = load(bare, args.seconds)
                    bare_rates.append(rate)
                    errors += bad
                    rate, bad = load(app, args.seconds)
                    service_rates.append(rate)
                    errors += bad
                    print(
                        f"throughput  bare {bare_rates[-1]:8.0f}/s   "
                        f"service {service_rates[-1]:8.0f}/s",
                        flush=True,
                    )
        finally:
            clear_broker()

    bare_rate = statistics.median(bare_rates) if bare_rates else float("nan")
    service_rate = statistics.median(service_rates) if service_rates else float("nan")
    result: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": args.database,
        "worker_threads": args.worker_threads or "default",
        "worker_processes": args.worker_processes,
        "broker": "redis",
        "load_generator": f"in-process asyncio HTTP/1.1 keep-alive, {args.connections} connections",
        "seconds_per_run": args.seconds,
        "repeats": args.repeats,
        "warmup_seconds": args.warmup_seconds,
        "accepted_per_s_service": round(service_rate, 1),
        "accepted_per_s_bare": round(bare_rate, 1),
        "ratio_vs_bare": round(service_rate / bare_rate, 3),
        "throughput_non_200": errors,
        "latency_rate_per_s": args.rate,
        "latency_deliveries": len(sent),
        "latency_triggers": len(latencies),
        "latency_non_200": latency_errors,
    }
    if latencies:
        result["trigger_latency_p50_ms"] = round(percentile(latencies, 0.5) * 1000, 1)
        result["trigger_latency_p99_ms"] = round(percentile(latencies, 0.99) * 1000, 1)
        result["trigger_latency_max_ms"] = round(max(latencies) * 1000, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

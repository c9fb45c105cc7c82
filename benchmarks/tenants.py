"""Many stores at once: live webhooks beside 20 imports, and a thousand idle stores reconciled.

    python benchmarks/tenants.py [--stores N] [--orders N] [--customers N] [--latency-ms MS]
                                 [--rate R] [--quiet-seconds S]
                                 [--idle-stores N] [--interval-s S] [--idle-seconds S]
                                 [--mixed-workers] [--skip-busy] [--skip-idle]

Each part runs the service as production does, on a fresh PostgreSQL database (on
WOOCONNECT_BENCH_POSTGRES_URL's server, dropped afterwards) and Redis
(WOOCONNECT_BENCH_TENANTS_REDIS_URL, default db 12, emptied before and after): the API under
uvicorn in a subprocess, and two `wooconnect worker` processes, one for live work
(`--queues webhooks triggers`) and one for imports and reconciliations (`--queues imports
sync`); with `--mixed-workers`, for comparison, two processes that each take every queue. The
stores are simulated stores (`adapters.woocommerce.simulator`) on one port, each
under a path of its own (a WordPress in a sub-directory), served from a thread of this process;
this process connects them through the connect use cases, as the wizard does.

1. Busy: `--stores` (20) stores of `--orders` (5,000) orders and `--customers` (1,250)
   customers, answering each request after `--latency-ms` (300), import everything at once
   while one more store sends `--rate` (20) signed deliveries of new orders per second, each
   making an "order submitted" trigger. A delivery's latency is its trigger's `created_at`
   minus its `received_at`, both read from the database. Baseline: the same deliveries for
   `--quiet-seconds` (20) before the imports start. Figures: p50, p99 and max of both, the
   worst p99 of any 10-second window while the imports ran, and the imports' records/s.
2. Idle: `--idle-stores` (1,000) stores of `--idle-customers` (120) customers and
   `--idle-orders` (30) orders, imported, then left unchanged, with contacts and orders synced
   and reconciled every `--interval-s` (900). Over `--idle-seconds` (180; at most the interval
   less the five seconds in which what was scheduled finishes): the reconciliations made, the
   store requests each reconciled store received (each store is reconciled at most once in the
   window), and the workers' CPU time over their capacity (one core per process, as each runs
   its tasks on one event loop). Baseline: the workers' CPU over
   `--baseline-seconds` (20) before any store is connected. Time may be compressed: fewer stores
   with a proportionally shorter interval make the same reconciliations per second; the JSON
   says so (`equivalent_stores_at_900s`, `time_compression`).

The last line of stdout is one JSON object with the figures and their ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
import uvicorn
from cryptography.fernet import Fernet

# Run as a script, this directory is on sys.path: the receiver benchmark's load generator,
# servers and database helpers are shared.
from webhooks import (
    SERVICE_APP,
    Deliveries,
    database,
    open_loop,
    percentile,
    served,
    trigger_timings,
)

from wooconnect.adapters.background_server import listening_socket, serving_in_thread
from wooconnect.adapters.bootstrap import Container, bootstrap
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.woocommerce.simulator import (
    SimulatedStore,
    SimulatorApp,
    StoreSettings,
    create_simulator_app,
    derived_keys,
    seed_store,
)
from wooconnect.adapters.worker.actors import BULK_QUEUES, LIVE_QUEUES
from wooconnect.app.auth import ADMIN
from wooconnect.domain.connection import ConnectionStatus, ImportSelection
from wooconnect.domain.jobs import JobStatus

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("WOOCONNECT_BENCH_TENANTS_REDIS_URL", "redis://127.0.0.1:6379/12")
REAL_INTERVAL_S = 900
TARGET_P99_S = 1.0
TARGET_CPU_SHARE = 0.25
TARGET_REQUESTS = 3
WINDOW_S = 10.0
# Seconds of deliveries per call of the load generator while the imports run.
LOAD_CHUNK_S = 5.0
# Stores connected at once during set-up.
CONNECTING_AT_ONCE = 16
# After the measured window, the reconciliations scheduled in it finish their requests.
SETTLE_S = 5.0
PATIENCE_S = 3600.0

ALL = ImportSelection(contacts=True, orders=True, transactions=True)
NOTHING = ImportSelection(contacts=False, orders=False, transactions=False)
SYNCED = {"contacts": True, "orders": True, "transactions": True}


# -- the stores -----------------------------------------------------------------------------


class StoreHost:
    """Simulated stores on one port, each under `/<name>`: store `s3`'s REST API is
    `/s3/wp-json/...`, as for a WordPress installed in a sub-directory. Counts each store's
    REST API requests."""

    def __init__(self, stores: dict[str, SimulatedStore], latency_ms: float) -> None:
        self.apps: dict[str, SimulatorApp] = {
            name: create_simulator_app(store, latency_ms=latency_ms)
            for name, store in stores.items()
        }
        self.requests: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        _, name, rest = (scope["path"] + "/").split("/", 2)
        app = self.apps.get(name)
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        path = "/" + rest.rstrip("/") if rest.strip("/") else "/"
        if path.startswith("/wp-json/"):
            self.requests[name] += 1
        await app({**scope, "path": path, "raw_path": path.encode()}, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for app in self.apps.values():
                    await app.dispatcher.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for app in self.apps.values():
                    await app.dispatcher.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


@contextlib.contextmanager
def serving(host: StoreHost) -> Iterator[str]:
    """Serve the stores on a free loopback port; yields the base URL (store `s3` is at
    `<base>/s3`)."""
    sock = listening_socket("127.0.0.1")
    sock.listen(1024)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name, app in host.apps.items():
        app.store.set_home_url(f"{base}/{name}")
    config = uvicorn.Config(
        host,
        log_level="warning",
        interface="asgi3",
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    try:
        with serving_in_thread(
            server,
            lambda: loop.run_until_complete(server.serve(sockets=[sock])),
            name="stores",
            start_within=60,
            stop_within=15,
            not_started="the simulated stores did not start",
        ):
            yield base
    finally:
        loop.close()
        sock.close()


@dataclass
class Tenant:
    """A store and what connecting it made."""

    name: str
    store: SimulatedStore
    key: str
    secret: str
    location_id: str = ""
    connection_id: str = ""
    webhook_secret: str = ""


def tenants(prefix: str, count: int, *, customers: int, orders: int, seed: int) -> list[Tenant]:
    made = []
    for n in range(count):
        store = SimulatedStore(StoreSettings(), seed=seed + n)
        seed_store(store, customers=customers, orders=orders, seed=seed + n)
        key, secret = derived_keys(seed + n)
        store.create_api_key(consumer_key=key, consumer_secret=secret)
        made.append(Tenant(f"{prefix}{n}", store, key, secret))
    return made


# -- the service ----------------------------------------------------------------------------


@dataclass
class Stack:
    """The service's environment and what it runs in."""

    env: dict[str, str]
    workdir: Path
    database_url: str


@contextlib.contextmanager
def stack(workdir: Path, interval_s: int | None = None) -> Iterator[Stack]:
    """A fresh database and an empty Redis database, and the environment of the service."""
    with database("postgres", workdir) as database_url:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")},
            "WOOCONNECT_DATABASE_URL": database_url,
            "WOOCONNECT_REDIS_URL": REDIS_URL,
            "WOOCONNECT_SECRET_KEY": Fernet.generate_key().decode(),
            "WOOCONNECT_ADMIN_TOKEN": "bench-admin-token",
            "WOOCONNECT_ALLOW_PRIVATE_STORES": "true",
            "WOOCONNECT_RULES_DIR": str(ROOT / "rules"),
            "WOOCONNECT_VAR_DIR": str(workdir / "var"),
            "WOOCONNECT_LOG_FORMAT": "text",
        }
        if interval_s is not None:
            env["WOOCONNECT_RECONCILE_INTERVAL_S"] = str(interval_s)
        flush_redis()
        try:
            yield Stack(env, workdir, database_url)
        finally:
            flush_redis()


def flush_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


@contextlib.contextmanager
def api_server(setup: Stack) -> Iterator[int]:
    """The API under uvicorn in a subprocess; its port, which is also the public URL's."""
    with served(SERVICE_APP, setup.workdir, setup.env) as port:
        setup.env["WOOCONNECT_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        yield port


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its descendants (Linux `/proc`)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
    return total / os.sysconf("SC_CLK_TCK")


class Worker:
    """One `wooconnect worker` process (one Dramatiq worker process) on some queues."""

    def __init__(self, setup: Stack, name: str, queues: Sequence[str]) -> None:
        self.name = name
        self.log = setup.workdir / f"worker-{name}.log"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "wooconnect.adapters.cli.main",
                    "worker",
                    "--processes",
                    "1",
                    "--queues",
                    *queues,
                ],
                env={**setup.env, "PYTHONPATH": str(ROOT / ".ci" / "pythonpath")},
                cwd=setup.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, within: float = 120) -> None:
        deadline = time.monotonic() + within
        while "worker ready" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} worker did not start; see {self.log}")
            time.sleep(0.1)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def workers(setup: Stack, *, mixed: bool = False) -> Iterator[tuple[Worker, Worker]]:
    """The two worker processes: live work apart from imports and reconciliations; or, when
    `mixed`, two that take every queue."""
    live = Worker(setup, "live", (*LIVE_QUEUES, *BULK_QUEUES) if mixed else LIVE_QUEUES)
    bulk = Worker(setup, "bulk", (*LIVE_QUEUES, *BULK_QUEUES) if mixed else BULK_QUEUES)
    try:
        live.wait_ready()
        bulk.wait_ready()
        yield live, bulk
    finally:
        live.stop()
        bulk.stop()


@contextlib.asynccontextmanager
async def container_of(setup: Stack) -> AsyncIterator[Container]:
    """The composition root in this process, to connect the stores as the wizard would."""
    container = await bootstrap(Settings.from_env(setup.env), migrate=True, watch_rules=False)
    try:
        yield container
    finally:
        await container.close()


async def connect(
    container: Container,
    base_url: str,
    connecting: Sequence[Tenant],
    *,
    imports: ImportSelection,
    sync: dict[str, bool],
    activate: bool = True,
) -> None:
    """An agency and a location for each tenant (an agency connects one store), connected to
    its store through the connect use cases (and activated, when `activate`),
    `CONNECTING_AT_ONCE` at a time."""
    services = container.services
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def one(tenant: Tenant) -> None:
        async with gate:
            agency = await services.tenancy.create_agency(ADMIN, f"Agency {tenant.name}")
            location = await services.tenancy.create_location(ADMIN, agency.id, tenant.name)
            started = await services.connecting.start(
                ADMIN, location.id, f"{base_url}/{tenant.name}"
            )
            cid = started.connection.id
            await services.connecting.submit_credentials(ADMIN, cid, tenant.key, tenant.secret)
            await services.connecting.set_import_selection(ADMIN, cid, imports)
            await services.connecting.set_sync_settings(ADMIN, cid, sync)
            tenant.location_id, tenant.connection_id = location.id, cid
            if activate:
                await activate_one(container, tenant)

    await asyncio.gather(*(one(tenant) for tenant in connecting))


async def activate_one(container: Container, tenant: Tenant) -> None:
    view = await container.services.connecting.activate(ADMIN, tenant.connection_id)
    tenant.webhook_secret = view.connection.webhook_secret or ""


async def imports_finished(container: Container, since: float) -> tuple[float, list[Any]]:
    """Wait until no import job is unfinished; the seconds it took from `since` (monotonic),
    and every job."""
    while True:
        async with container.uow() as uow:
            unfinished = await uow.import_jobs.list_unfinished()
        if not unfinished:
            break
        if time.monotonic() - since > PATIENCE_S:
            raise RuntimeError(f"{len(unfinished)} import jobs did not finish")
        await asyncio.sleep(1.0)
    seconds = time.monotonic() - since
    async with container.uow() as uow:
        connections = await uow.connections.list_by_status(ConnectionStatus.ACTIVE)
        jobs = [
            job
            for connection in connections
            for job in await uow.import_jobs.list_for_connection(connection.id)
        ]
    return seconds, jobs


# -- 1. busy: live work beside many imports -------------------------------------------------


@dataclass
class Latencies:
    """Deliveries sent and their receipt-to-trigger latencies."""

    sent: list[int] = field(default_factory=list)
    timings: list[tuple[datetime, float]] = field(default_factory=list)
    non_200: int = 0

    def figures(self, name: str) -> dict[str, object]:
        latencies = [latency for _, latency in self.timings]
        if not latencies:
            return {f"{name}_deliveries": len(self.sent), f"{name}_triggers": 0}
        return {
            f"{name}_deliveries": len(self.sent),
            f"{name}_triggers": len(latencies),
            f"{name}_non_200": self.non_200,
            f"trigger_p50_ms_{name}": _ms(percentile(latencies, 0.5)),
            f"trigger_p99_ms_{name}": _ms(percentile(latencies, 0.99)),
            f"trigger_max_ms_{name}": _ms(max(latencies)),
        }

    def worst_window_p99(self) -> float:
        """The highest p99 of the deliveries received in any `WINDOW_S`-second window."""
        if not self.timings:
            return float("nan")
        start = min(received for received, _ in self.timings)
        windows: dict[int, list[float]] = {}
        for received, latency in self.timings:
            index = int((received - start).total_seconds() // WINDOW_S)
            windows.setdefault(index, []).append(latency)
        return max(percentile(values, 0.99) for values in windows.values())


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def collect(setup: Stack, latencies: Latencies) -> None:
    """Wait for the triggers of the deliveries sent (up to a minute after the last one)."""
    deadline = time.monotonic() + 60
    while True:
        latencies.timings = await asyncio.to_thread(
            trigger_timings, setup.database_url, latencies.sent
        )
        if len(latencies.timings) >= len(latencies.sent) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.5)


async def send_while(
    port: int, deliveries: Deliveries, rate: float, running: Callable[[], bool]
) -> Latencies:
    """Deliveries at a steady `rate` for as long as `running()` says."""
    latencies = Latencies()
    while running():
        sent, bad = await open_loop(port, deliveries, rate, LOAD_CHUNK_S)
        latencies.sent += sent
        latencies.non_200 += bad
    return latencies


def busy(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    busy_tenants = tenants("b", args.stores, customers=args.customers, orders=args.orders, seed=100)
    [live] = tenants("live", 1, customers=2, orders=2, seed=5)
    host = StoreHost({t.name: t.store for t in [*busy_tenants, live]}, args.latency_ms)
    with stack(workdir) as setup, serving(host) as base_url, api_server(setup) as port:
        return asyncio.run(busy_run(args, setup, base_url, port, busy_tenants, live))


async def busy_run(
    args: argparse.Namespace,
    setup: Stack,
    base_url: str,
    port: int,
    busy_tenants: list[Tenant],
    live: Tenant,
) -> dict[str, object]:
    async with container_of(setup) as container:
        await connect(container, base_url, busy_tenants, imports=ALL, sync=SYNCED, activate=False)
        await connect(
            container,
            base_url,
            [live],
            imports=NOTHING,
            sync={"orders": True, "order_submitted_trigger": True},
        )
        template = live.store.shapes.order(live.store.orders[min(live.store.orders)], [])
        deliveries = Deliveries(live.connection_id, live.webhook_secret, template)
        with workers(setup, mixed=args.mixed_workers):
            # Warm up: the workers are ready once a first delivery has made its trigger.
            warm = Latencies((await open_loop(port, deliveries, 10, 1))[0])
            await collect(setup, warm)
            print(f"warm-up     {len(warm.timings)}/{len(warm.sent)} triggers", flush=True)

            quiet = Latencies()
            quiet.sent, quiet.non_200 = await open_loop(
                port, deliveries, args.rate, args.quiet_seconds
            )
            await collect(setup, quiet)
            print(_line("quiet", quiet), flush=True)

            importing = True
            load = asyncio.create_task(send_while(port, deliveries, args.rate, lambda: importing))
            started = time.monotonic()
            await asyncio.gather(*(activate_one(container, t) for t in busy_tenants))
            print(f"importing   {args.stores} stores", flush=True)
            seconds, jobs = await imports_finished(container, started)
            importing = False
            loaded = await load
            await collect(setup, loaded)
            print(_line("importing", loaded), flush=True)
    records = sum(job.done + job.skipped + job.failed for job in jobs)
    failed_jobs = sum(job.status is not JobStatus.COMPLETED for job in jobs)
    print(
        f"imports     {records:,} records in {seconds:.1f} s = {records / seconds:.0f}/s, "
        f"{failed_jobs} jobs not completed",
        flush=True,
    )
    quiet_p99 = percentile([latency for _, latency in quiet.timings], 0.99)
    loaded_p99 = percentile([latency for _, latency in loaded.timings], 0.99)
    worst = loaded.worst_window_p99()
    return {
        "busy_stores": args.stores,
        "busy_store_orders": args.orders,
        "busy_store_customers": args.customers,
        "store_latency_ms": args.latency_ms,
        "webhook_rate_per_s": args.rate,
        "quiet_seconds": args.quiet_seconds,
        **quiet.figures("quiet"),
        **loaded.figures("importing"),
        "trigger_p99_ms_worst_10s_window_importing": _ms(worst),
        "p99_ratio_importing_vs_quiet": round(loaded_p99 / quiet_p99, 3),
        "p99_ratio_to_1s_target": round(loaded_p99 / TARGET_P99_S, 3),
        "worst_window_p99_ratio_to_1s_target": round(worst / TARGET_P99_S, 3),
        "import_seconds": round(seconds, 1),
        "import_records": records,
        "import_records_per_s": round(records / seconds, 1),
        "import_jobs": len(jobs),
        "import_jobs_not_completed": failed_jobs,
    }


def _line(name: str, latencies: Latencies) -> str:
    values = [latency for _, latency in latencies.timings]
    if not values:
        return f"{name:11} no triggers of {len(latencies.sent)} deliveries"
    return (
        f"{name:11} {len(values)}/{len(latencies.sent)} triggers: "
        f"p50 {_ms(percentile(values, 0.5)):.0f} ms, "
        f"p99 {_ms(percentile(values, 0.99)):.0f} ms, max {_ms(max(values)):.0f} ms"
    )


# -- 2. idle: many stores reconciled --------------------------------------------------------


async def checked_at(container: Container) -> dict[str, datetime | None]:
    """Each active connection's last reconciliation check."""
    async with container.uow() as uow:
        connections = await uow.connections.list_by_status(ConnectionStatus.ACTIVE)
    return {c.id: c.webhooks_checked_at for c in connections}


def cpu_of(pair: tuple[Worker, Worker]) -> tuple[float, float]:
    live, bulk = pair
    return live.cpu_seconds(), bulk.cpu_seconds()


async def measure_cpu(pair: tuple[Worker, Worker], seconds: float) -> tuple[float, float]:
    """CPU seconds of the live and the bulk worker over the next `seconds`."""
    before = cpu_of(pair)
    await asyncio.sleep(seconds)
    after = cpu_of(pair)
    return after[0] - before[0], after[1] - before[1]


def idle(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    idle_tenants = tenants(
        "i", args.idle_stores, customers=args.idle_customers, orders=args.idle_orders, seed=10_000
    )
    host = StoreHost({t.name: t.store for t in idle_tenants}, args.idle_latency_ms)
    with (
        stack(workdir, args.interval_s) as setup,
        serving(host) as base_url,
        api_server(setup),
    ):
        return asyncio.run(idle_run(args, setup, base_url, host, idle_tenants))


async def idle_run(
    args: argparse.Namespace,
    setup: Stack,
    base_url: str,
    host: StoreHost,
    idle_tenants: list[Tenant],
) -> dict[str, object]:
    # The reconciliations scheduled in the window finish in the next `SETTLE_S`; no store
    # comes round again before the requests are counted.
    window = min(args.idle_seconds, args.interval_s - SETTLE_S)
    by_connection: dict[str, str] = {}
    async with container_of(setup) as container:
        with workers(setup, mixed=args.mixed_workers) as pair:
            baseline = await measure_cpu(pair, args.baseline_seconds)
            print(
                f"baseline    workers' CPU {sum(baseline):.2f} s in {args.baseline_seconds} s",
                flush=True,
            )
            started = time.monotonic()
            await connect(container, base_url, idle_tenants, imports=ALL, sync=SYNCED)
            print(
                f"connected   {len(idle_tenants)} stores in {time.monotonic() - started:.0f} s",
                flush=True,
            )
            await imports_finished(container, started)
            print(f"imported    in {time.monotonic() - started:.0f} s", flush=True)
            by_connection = {t.connection_id: t.name for t in idle_tenants}

            checks_before = await checked_at(container)
            requests_before = Counter(host.requests)
            cpu = await measure_cpu(pair, window)
            checks_after = await checked_at(container)
            await asyncio.sleep(SETTLE_S)
            requests_after = Counter(host.requests)
    reconciled = [
        by_connection[cid]
        for cid, checked in checks_after.items()
        if checked != checks_before.get(cid) and cid in by_connection
    ]
    per_store = [requests_after[name] - requests_before[name] for name in reconciled]
    unreconciled_requests = sum(
        requests_after[name] - requests_before[name]
        for name in by_connection.values()
        if name not in set(reconciled)
    )
    per_cycle = statistics.mean(per_store) if per_store else float("nan")
    share = sum(cpu) / (window * len(cpu))
    baseline_share = sum(baseline) / (args.baseline_seconds * len(baseline))
    expected_rate = args.idle_stores / args.interval_s
    print(
        f"idle        {len(reconciled)} reconciliations in {window:.0f} s "
        f"({len(reconciled) / window:.2f}/s, expected {expected_rate:.2f}/s), "
        f"{per_cycle:.2f} requests per store, workers' CPU share {share:.1%} "
        f"(baseline {baseline_share:.1%})",
        flush=True,
    )
    return {
        "idle_stores": args.idle_stores,
        "idle_store_customers": args.idle_customers,
        "idle_store_orders": args.idle_orders,
        "reconcile_interval_s": args.interval_s,
        "time_compression": round(REAL_INTERVAL_S / args.interval_s, 3),
        "equivalent_stores_at_900s": round(args.idle_stores * REAL_INTERVAL_S / args.interval_s),
        "window_s": window,
        "reconciliations_in_window": len(reconciled),
        "reconciliations_per_s": round(len(reconciled) / window, 3),
        "expected_reconciliations_per_s": round(expected_rate, 3),
        "reconciliations_ratio_to_expected": round(len(reconciled) / window / expected_rate, 3),
        "requests_per_idle_store_per_cycle": round(per_cycle, 2),
        "requests_per_idle_store_per_cycle_max": max(per_store, default=0),
        "requests_to_stores_not_reconciled": unreconciled_requests,
        "requests_ratio_to_3_target": round(per_cycle / TARGET_REQUESTS, 3),
        "worker_processes": len(cpu),
        "worker_cpu_share": round(share, 4),
        "worker_cpu_share_live": round(cpu[0] / window, 4),
        "worker_cpu_share_bulk": round(cpu[1] / window, 4),
        "worker_cpu_share_baseline": round(baseline_share, 4),
        "cpu_ratio_to_25pct_target": round(share / TARGET_CPU_SHARE, 3),
        "cpu_ratio_vs_baseline": round(share / baseline_share, 3) if baseline_share else None,
    }


# -- the run --------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20, help="stores importing at once (20)")
    parser.add_argument("--orders", type=int, default=5_000, help="orders per store (5000)")
    parser.add_argument("--customers", type=int, default=1_250, help="customers per store (1250)")
    parser.add_argument(
        "--latency-ms", type=float, default=300, help="per request of an importing store (300)"
    )
    parser.add_argument("--rate", type=float, default=20, help="live deliveries per second (20)")
    parser.add_argument(
        "--quiet-seconds", type=float, default=20, help="deliveries before the imports (20)"
    )
    parser.add_argument("--idle-stores", type=int, default=1_000, help="idle stores (1000)")
    parser.add_argument(
        "--idle-customers", type=int, default=120, help="customers per idle store (120)"
    )
    parser.add_argument("--idle-orders", type=int, default=30, help="orders per idle store (30)")
    parser.add_argument(
        "--idle-latency-ms", type=float, default=0, help="per request of an idle store (0)"
    )
    parser.add_argument(
        "--interval-s", type=int, default=REAL_INTERVAL_S, help="reconciliation interval (900)"
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=180,
        help="measured window (180; at most one interval)",
    )
    parser.add_argument(
        "--baseline-seconds", type=float, default=20, help="workers' CPU with no store (20)"
    )
    parser.add_argument(
        "--mixed-workers",
        action="store_true",
        help="both worker processes take every queue (for comparison: live work without "
        "processes of its own)",
    )
    parser.add_argument("--skip-busy", action="store_true", help="leave out part 1")
    parser.add_argument("--skip-idle", action="store_true", help="leave out part 2")
    args = parser.parse_args(argv)

    result: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": "postgres",
        "broker": "redis",
        "workers": (
            "two processes, each taking every queue"
            if args.mixed_workers
            else "two processes: --queues webhooks triggers, --queues imports sync"
        ),
    }
    if not args.skip_busy:
        with tempfile.TemporaryDirectory(prefix="wooconnect-bench-") as tmp:
            result.update(busy(args, Path(tmp)))
    if not args.skip_idle:
        with tempfile.TemporaryDirectory(prefix="wooconnect-bench-") as tmp:
            result.update(idle(args, Path(tmp)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

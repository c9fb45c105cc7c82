"""Historical import throughput: the default concurrent pager against a sequential one.

    python benchmarks/import.py [--customers N] [--orders N] [--latency-ms MS]
                                [--concurrency N] [--sequential-fraction F]
                                [--processing-fraction F]

Each run imports a simulated store (`wooconnect simulate-store`, in a subprocess of its own so
that the peak RSS measured here is the service's alone) over loopback HTTP through the real
import path, as a user's import runs under `wooconnect serve`: the composition root
(`adapters.bootstrap`) on a fresh SQLite database in a temporary directory, the embedded
worker (the Dramatiq actors on the in-memory broker, worked by a `dramatiq.Worker` in this
process), a connection set up through the connect use cases (OAuth 1.0a keys, webhook
registration) and activated; the activation sends the import jobs to the worker, which runs
them side by side (contacts, orders and refunds page at once, sharing the store's request
window). Records are what the jobs counted (imported + skipped + failed); the rate is records over
the wall time of the jobs (first start to last finish).

Three runs, in this order:

1. `concurrent`: the full store (default 20,000 orders, 5,000 customers) at `--latency-ms`
   (300) per store request, with the connection's store concurrency at `--concurrency`
   (default: none of its own, so the deployment's default, 4).
2. `sequential`: the same latency with a store concurrency of 1 (one request in flight), and
   a worker running one task at a time (so the jobs run one after another). A full
   sequential run takes minutes; by default it imports a store of the same shape scaled by
   `--sequential-fraction` (0.25). Its rate does not depend on the store's size (every page
   costs one round trip), and the JSON says what was measured.
3. `processing`: a store with zero latency, the service's own processing rate.

The ceiling is what the pager allows at that latency: concurrency * page size / latency. The
last line of stdout is one JSON object with the figures and their ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from wooconnect.adapters.bootstrap import bootstrap
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.woocommerce.client import MAX_PAGE_SIZE
from wooconnect.adapters.woocommerce.simulator import derived_keys
from wooconnect.adapters.worker.embedded import EMBEDDED_THREADS, EmbeddedWorker
from wooconnect.app.auth import ADMIN
from wooconnect.domain.connection import ImportSelection
from wooconnect.domain.jobs import JobStatus

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
# An import that has not ended after this long is reported as stuck.
IMPORT_TIMEOUT_S = 3600


@dataclass(frozen=True)
class RunResult:
    """One import of a whole store."""

    name: str
    customers: int
    orders: int
    latency_ms: float
    concurrency: int
    records: int
    seconds: float
    by_entity: dict[str, int]

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds

    def summary(self) -> dict[str, object]:
        return {
            "store_customers": self.customers,
            "store_orders": self.orders,
            "latency_ms": self.latency_ms,
            "concurrency": self.concurrency,
            "records": self.records,
            "records_by_entity": self.by_entity,
            "seconds": round(self.seconds, 2),
            "records_per_s": round(self.records_per_s, 1),
        }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def simulator(customers: int, orders: int, latency_ms: float) -> Iterator[str]:
    """A seeded `wooconnect simulate-store` in a subprocess; yields its URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "wooconnect.adapters.cli.main",
        "simulate-store",
        "--port",
        str(port),
        "--customers",
        str(customers),
        "--orders",
        str(orders),
        "--seed",
        str(SEED),
        "--latency-ms",
        str(latency_ms),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / ".ci" / "pythonpath")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the last line it prints before serving
            if line.startswith("control:"):
                break
        else:
            raise RuntimeError("the simulator exited before serving")
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start listening")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def import_store(
    name: str,
    url: str,
    customers: int,
    orders: int,
    latency_ms: float,
    concurrency: int | None,
    threads: int = EMBEDDED_THREADS,
) -> RunResult:
    """Connect a fresh service to the store at `url`, with the connection's store concurrency
    at `concurrency` (None: the deployment's default), and let its worker (`threads` tasks at
    once) run every import job it schedules."""
    with tempfile.TemporaryDirectory(prefix="wooconnect-bench-") as tmp:
        settings = Settings.from_env(
            {
                "WOOCONNECT_VAR_DIR": str(Path(tmp) / "var"),
                "WOOCONNECT_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "WOOCONNECT_ALLOW_PRIVATE_STORES": "true",
                "WOOCONNECT_ADMIN_TOKEN": "bench-admin-token",
                "WOOCONNECT_RULES_DIR": str(ROOT / "rules"),
            }
        )
        container = await bootstrap(settings, watch_rules=False)
        worker = await EmbeddedWorker.start(container, threads=threads)
        try:
            services = container.services
            agency = await services.tenancy.create_agency(ADMIN, "Bench agency")
            location = await services.tenancy.create_location(ADMIN, agency.id, "Bench")
            started = await services.connecting.start(ADMIN, location.id, url)
            key, secret = derived_keys(SEED)
            connection_id = started.connection.id
            await services.connecting.submit_credentials(ADMIN, connection_id, key, secret)
            await services.connecting.set_import_selection(
                ADMIN, connection_id, ImportSelection(contacts=True, orders=True, transactions=True)
            )
            await services.connecting.set_store_concurrency(ADMIN, connection_id, concurrency)
            await services.connecting.activate(ADMIN, connection_id)
            deadline = time.monotonic() + IMPORT_TIMEOUT_S
            while True:
                async with container.uow() as uow:
                    jobs = list(await uow.import_jobs.list_for_connection(connection_id))
                if all(job.is_finished for job in jobs):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the import did not end: {jobs}")
                await asyncio.sleep(0.1)
            by_entity: dict[str, int] = {}
            for job in jobs:
                if job.status is not JobStatus.COMPLETED:
                    raise RuntimeError(f"the {job.entity.value} job ended {job.status}")
                by_entity[job.entity.value] = job.done + job.skipped + job.failed
            first = min(job.started_at for job in jobs if job.started_at is not None)
            last = max(job.finished_at for job in jobs if job.finished_at is not None)
            seconds = (last - first).total_seconds()
        finally:
            await worker.stop()
            await container.close()
    return RunResult(
        name=name,
        customers=customers,
        orders=orders,
        latency_ms=latency_ms,
        concurrency=concurrency or container.store.concurrency,
        records=sum(by_entity.values()),
        seconds=seconds,
        by_entity=by_entity,
    )


def run(
    name: str,
    customers: int,
    orders: int,
    latency_ms: float,
    concurrency: int | None,
    threads: int = EMBEDDED_THREADS,
) -> RunResult:
    with simulator(customers, orders, latency_ms) as url:
        result = asyncio.run(
            import_store(name, url, customers, orders, latency_ms, concurrency, threads)
        )
    print(
        f"{name:11} {result.records:>7,} records in {result.seconds:7.2f} s "
        f"= {result.records_per_s:8.1f} records/s  {result.by_entity}",
        flush=True,
    )
    return result


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000, help="store customers (5000)")
    parser.add_argument("--orders", type=int, default=20_000, help="store orders (20000)")
    parser.add_argument("--latency-ms", type=float, default=300, help="per store request (300)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="the connection's store concurrency in the concurrent run, 1 to 16 "
        "(default: the deployment's, 4)",
    )
    parser.add_argument(
        "--sequential-fraction",
        type=float,
        default=0.25,
        help="share of the store the sequential run imports (0.25; 1 = all of it)",
    )
    parser.add_argument(
        "--processing-fraction",
        type=float,
        default=1.0,
        help="share of the store the zero-latency run imports (1)",
    )
    args = parser.parse_args(argv)

    concurrent = run("concurrent", args.customers, args.orders, args.latency_ms, args.concurrency)
    # One request at a time in all: one task at a time, each with a pager of one.
    sequential = run(
        "sequential",
        round(args.customers * args.sequential_fraction),
        round(args.orders * args.sequential_fraction),
        args.latency_ms,
        1,
        threads=1,
    )
    processing = run(
        "processing",
        round(args.customers * args.processing_fraction),
        round(args.orders * args.processing_fraction),
        0,
        None,
    )
    ceiling = concurrent.concurrency * MAX_PAGE_SIZE / (args.latency_ms / 1000)
    result: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "database": "sqlite",
        "page_size": MAX_PAGE_SIZE,
        "latency_ms": args.latency_ms,
        "concurrency": concurrent.concurrency,
        "records_per_s_concurrent": round(concurrent.records_per_s, 1),
        "records_per_s_sequential": round(sequential.records_per_s, 1),
        "ratio_vs_sequential": round(concurrent.records_per_s / sequential.records_per_s, 3),
        "ceiling_records_per_s": round(ceiling, 1),
        "ratio_vs_ceiling": round(concurrent.records_per_s / ceiling, 3),
        "processing_records_per_s": round(processing.records_per_s, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "runs": {
            "concurrent": concurrent.summary(),
            "sequential": {
                **sequential.summary(),
                "store_fraction": args.sequential_fraction,
                "worker_threads": 1,
            },
            "processing": processing.summary(),
        },
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

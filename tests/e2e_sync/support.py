"""The service as it runs in production, on loopback, for the end-to-end sync tests.

- `Service`: a throw-away PostgreSQL database, a Redis server of its own (on a free port, so a
  drill may stop it without touching anyone else's), the HTTP API served by uvicorn in a
  background thread, and `wooconnect worker` as a child process.
- `Api`: the public HTTP API as a client sees it, with the three-step wizard.
- `StoreUnderTest`: a `SimulatedStore` served over HTTP, which delivers its webhooks to the
  service.
- `assert_location_equals_store`: what "the location equals the store" means.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import uvicorn
from sqlalchemy.engine import make_url

from adapters.http.app import create_app
from adapters.persistence.migrate import upgrade_async
from adapters.settings import Settings
from adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    StoreSettings,
    running_simulator,
    seed_store,
)
from tests.support.services import POSTGRES_URL

T = TypeVar("T")

# The clients log every request at INFO; the tests read the API, not those lines.
logging.getLogger("httpx").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "e2e-sync-admin-token"
SECRET_KEY = "xJ8T0dkkmvR7zJrLWkcxmPeCJ8mJXz6d4k8ySkq6wBw="
WORKER_ENTRY = "tests.e2e_sync.worker_app:broker"
DEADLINE_S = 30.0
# So the scheduled reconciliation stays out of the way; the tests ask for one when they need it.
RECONCILE_INTERVAL_S = 86_400

ALL_ON = {
    "contacts": True,
    "orders": True,
    "transactions": True,
    "order_submitted_trigger": True,
    "payment_received_trigger": True,
}
NOTHING = {"contacts": False, "orders": False, "transactions": False}

# DESIGN.md, item 8, written out independently of the rule files it is checked against.
CRM_STATUS = {
    "completed": "completed",
    "refunded": "completed",
    "cancelled": "cancelled",
    "failed": "cancelled",
}
NOT_ORDERS_YET = frozenset({"checkout-draft", "draft", "auto-draft"})


def eventually(
    probe: Callable[[], T], *, within: float = DEADLINE_S, what: str = "the condition"
) -> T:
    """Poll `probe` until it returns something truthy and return that; fail after `within`
    seconds, showing the last value seen."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {within} s (last: {value!r})")
        time.sleep(0.05)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    return sock


def free_port() -> int:
    with contextlib.closing(free_socket()) as sock:
        port: int = sock.getsockname()[1]
        return port


# -- the services ----------------------------------------------------------------------------


class RedisServer:
    """`redis-server` as a child process on a free port, without persistence: a restart loses
    every message it held, as a crashed Redis without AOF would."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        eventually(self._answers, within=10, what="redis-server answering")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Kill it (SIGKILL: no goodbye to its clients) and wait until the port is closed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class ApiServer:
    """The Litestar app (`wooconnect serve` without its CLI) under uvicorn in a thread."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        config = uvicorn.Config(
            create_app(settings),
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.sock = sock
        self.thread = threading.Thread(
            target=lambda: self.loop.run_until_complete(self.server.serve(sockets=[sock])),
            name="wooconnect-api",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()
        eventually(
            lambda: self.server.started or not self.thread.is_alive(),
            within=20,
            what="the API starting",
        )
        if not self.server.started:
            raise RuntimeError("the API did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.loop.close()
        self.sock.close()


class WorkerProcess:
    """`wooconnect worker` as a child process in its own process group."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adapters.cli.main",
                    "worker",
                    "--entry",
                    WORKER_ENTRY,
                    "--threads",
                    "4",
                    "--shutdown-timeout",
                    "5",
                ],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._log_offset = log.stat().st_size

    @property
    def log(self) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(self._log_offset)
            return handle.read().decode(errors="replace")

    def wait_ready(self, timeout_s: float = 30) -> None:
        eventually(
            lambda: "worker ready" in self.log or self.process.poll() is not None,
            within=timeout_s,
            what="the worker starting",
        )
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{self.log}")

    def kill(self) -> None:
        """SIGKILL the whole group, as a crashed or OOM-killed container dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout_s: float = 20) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _create_database() -> tuple[str, Callable[[], None]]:
    """A new, migrated database on the test PostgreSQL server, and how to drop it."""
    name = f"wooconnect_e2e_{uuid.uuid4().hex[:12]}"
    admin = make_url(POSTGRES_URL)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    url = admin.set(database=name).render_as_string(hide_password=False)
    asyncio.run(upgrade_async(url))
    return url, lambda: asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Service:
    """The production shape on loopback: API + worker process + Redis + PostgreSQL."""

    directory: Path
    env: dict[str, str]
    redis: RedisServer
    api_server: ApiServer
    base_url: str
    rules_dir: Path
    worker: WorkerProcess | None = None
    api: Api = field(init=False)

    def __post_init__(self) -> None:
        self.api = Api(self.base_url)

    def start_worker(self) -> WorkerProcess:
        worker = WorkerProcess(self.env, self.directory / "worker.log")
        worker.wait_ready()
        self.worker = worker
        return worker

    def kill_worker(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.terminate()
            self.worker = None

    @property
    def worker_log(self) -> str:
        path = self.directory / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def running_service(directory: Path) -> Iterator[Service]:
    """Start everything; stop and drop everything afterwards."""
    rules_dir = directory / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    redis = RedisServer(directory / "redis")
    redis.start()
    database_url, drop_database = _create_database()
    sock = free_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    variables = {
        "WOOCONNECT_DATABASE_URL": database_url,
        "WOOCONNECT_REDIS_URL": redis.url,
        "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
        "WOOCONNECT_SECRET_KEY": SECRET_KEY,
        "WOOCONNECT_PUBLIC_URL": base_url,
        "WOOCONNECT_RULES_DIR": str(rules_dir),
        "WOOCONNECT_ALLOW_PRIVATE_STORES": "true",
        "WOOCONNECT_RECONCILE_INTERVAL_S": str(RECONCILE_INTERVAL_S),
        "WOOCONNECT_VAR_DIR": str(directory / "var"),
        "WOOCONNECT_LOG_FORMAT": "text",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
    env.update(variables)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    # Idle consumers poll Redis every 200 ms; each poll is also the worker's heartbeat.
    env["dramatiq_worker_timeout"] = "200"
    api_server = ApiServer(Settings.from_env(variables), sock)
    service = Service(directory, env, redis, api_server, base_url, rules_dir)
    try:
        api_server.start()
        service.start_worker()
        yield service
    finally:
        try:
            service.stop_worker()
            api_server.stop()
            service.api.close()
        finally:
            redis.stop()
            drop_database()


# -- the API as a client sees it -------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    """A location connected to a store."""

    agency_id: str
    location_id: str
    connection_id: str


class Api:
    """The public HTTP API, called with the admin token; each call checks its status."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            timeout=30,
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def connect(
        self,
        sim: RunningSimulator,
        keys: tuple[str, str],
        *,
        imports: dict[str, bool] | None = None,
        sync: dict[str, bool] | None = None,
    ) -> Linked:
        """The wizard with keys typed in: store URL, credentials, import, sync, save; then
        wait until the import has finished."""
        agency = self.call("POST", "/api/v1/agencies", 201, json={"name": "Agency"})
        location = self.call(
            "POST", f"/api/v1/agencies/{agency['id']}/locations", 201, json={"name": "Shop"}
        )
        connection = self.call(
            "POST",
            f"/api/v1/locations/{location['id']}/woocommerce",
            201,
            json={"store_url": sim.base_url},
        )
        cid = connection["id"]
        self.call(
            "POST",
            f"/api/v1/connections/{cid}/credentials",
            json={"consumer_key": keys[0], "consumer_secret": keys[1]},
        )
        self.call("PUT", f"/api/v1/connections/{cid}/import", json=imports or NOTHING)
        self.call("PUT", f"/api/v1/connections/{cid}/sync", json=sync or ALL_ON)
        self.call("POST", f"/api/v1/connections/{cid}/activate", 202)
        linked = Linked(agency["id"], location["id"], cid)
        self.wait_for_import(linked)
        return linked

    def connection(self, linked: Linked) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", f"/api/v1/connections/{linked.connection_id}")
        return result

    def wait_for_import(self, linked: Linked) -> None:
        def finished() -> bool:
            imports = self.connection(linked)["imports"]
            return all(i["status"] in {"completed", "failed"} for i in imports)

        eventually(finished, what="the import finishing")

    def all(self, linked: Linked, kind: str) -> list[dict[str, Any]]:
        """Every item of a location's list (`contacts`, `orders`, `transactions`, ...)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.call("GET", f"/api/v1/locations/{linked.location_id}/{kind}", params=params)
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return items

    def deliveries(self, linked: Linked) -> list[dict[str, Any]]:
        """The connection's inbox, newest first."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.call(
                "GET", f"/api/v1/connections/{linked.connection_id}/deliveries", params=params
            )
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return items

    def reconcile(self, linked: Linked) -> None:
        self.call("POST", f"/api/v1/connections/{linked.connection_id}/reconcile", 202)

    def patch_sync(self, linked: Linked, **changes: bool) -> dict[str, Any]:
        result: dict[str, Any] = self.call(
            "PATCH", f"/api/v1/connections/{linked.connection_id}/sync", json=changes
        )
        return result


# -- the store -------------------------------------------------------------------------------


@dataclass
class StoreUnderTest:
    sim: RunningSimulator
    keys: tuple[str, str]

    @property
    def store(self) -> SimulatedStore:
        return self.sim.store

    def guest_order(
        self, email: str, first_name: str = "Gina", last_name: str = "Guest", **kwargs: Any
    ) -> int:
        """A guest checkout (customer id 0); returns the order id."""
        billing = {"email": email, "first_name": first_name, "last_name": last_name}
        return self.store.create_order(customer_id=0, billing=billing, **kwargs).id

    def deliveries(self, *, topic: str | None = None) -> list[Any]:
        with self.store.lock:
            return [
                d
                for d in self.store.deliveries
                if d.kind == "delivery" and (topic is None or d.topic == topic)
            ]


@contextlib.contextmanager
def store_under_test(
    *, seed: int = 1, customers: int = 0, orders: int = 0, coalesce_s: float = 0.05
) -> Iterator[StoreUnderTest]:
    """A simulated store with a fresh key pair, served on a free loopback port."""
    store = SimulatedStore(StoreSettings(coalesce_seconds=coalesce_s), seed=seed)
    if customers or orders:
        seed_store(store, customers=customers, orders=orders, seed=seed)
    key = store.create_api_key()
    with running_simulator(store) as sim:
        yield StoreUnderTest(sim, (key.consumer_key, key.consumer_secret))


# -- "the location equals the store" ---------------------------------------------------------


def expected_orders(store: SimulatedStore) -> dict[int, dict[str, Any]]:
    """What the location should hold for each of the store's orders."""
    with store.lock:
        records = list(store.orders.values())
    expected: dict[int, dict[str, Any]] = {}
    for order in records:
        if order.status in NOT_ORDERS_YET:
            continue
        trashed = order.status == "trash"
        expected[order.id] = {
            "deleted": trashed,
            "store_status": None if trashed else order.status,
            "status": None if trashed else CRM_STATUS.get(order.status, "pending"),
            "paid": order.date_paid is not None,
            "total": str(order.total.quantize(Decimal("0.01"))),
        }
    return expected


def actual_orders(orders: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    actual: dict[int, dict[str, Any]] = {}
    for order in orders:
        trashed = bool(order["deleted"])
        actual[order["woocommerce_order_id"]] = {
            "deleted": trashed,
            "store_status": None if trashed else order["store_status"],
            "status": None if trashed else order["status"],
            "paid": order["paid_at"] is not None,
            "total": order["total"],
        }
    return actual


def expected_transactions(store: SimulatedStore) -> list[tuple[str, str, str]]:
    """(woocommerce_ref, kind, amount) for each charge (a paid order) and refund."""
    with store.lock:
        orders = [o for o in store.orders.values() if o.status not in NOT_ORDERS_YET]
        refunds = [store.refunds[r] for o in orders for r in o.refund_ids]
    rows = [(f"order:{o.id}", "charge", f"{o.total:.2f}") for o in orders if o.date_paid]
    rows += [(f"refund:{r.id}", "refund", f"{r.amount:.2f}") for r in refunds]
    return sorted(rows)


def location_matches_store(api: Api, linked: Linked, store: SimulatedStore) -> bool:
    """The location's orders and transactions are the store's, one each (no duplicate)."""
    orders = api.all(linked, "orders")
    if len(orders) != len({o["woocommerce_order_id"] for o in orders}):
        return False
    if actual_orders(orders) != expected_orders(store):
        return False
    transactions = sorted(
        (t["woocommerce_ref"], t["kind"], t["amount"]) for t in api.all(linked, "transactions")
    )
    return transactions == expected_transactions(store)


def assert_location_equals_store(
    api: Api, linked: Linked, store: SimulatedStore, *, within: float = DEADLINE_S
) -> None:
    """Wait until the location equals the store; on timeout, show the difference."""
    deadline = time.monotonic() + within
    while not location_matches_store(api, linked, store):
        if time.monotonic() > deadline:
            orders = actual_orders(api.all(linked, "orders"))
            wanted = expected_orders(store)
            diff = {
                wid: (orders.get(wid), wanted.get(wid))
                for wid in sorted(set(orders) | set(wanted))
                if orders.get(wid) != wanted.get(wid)
            }
            transactions = sorted(
                (t["woocommerce_ref"], t["kind"], t["amount"])
                for t in api.all(linked, "transactions")
            )
            raise AssertionError(
                "the location does not equal the store:\n"
                f"orders (location, store): {diff}\n"
                f"transactions: {transactions} != {expected_transactions(store)}"
            )
        time.sleep(0.1)


def trigger_counts(api: Api, linked: Linked) -> Counter[tuple[str, int]]:
    """How often each (trigger type, WooCommerce order id) fired.

    Triggers are read before orders: a trigger commits with its order, so every trigger
    seen first has its order visible to the second read (the other way round races).
    """
    triggers = api.all(linked, "triggers")
    by_order = {o["id"]: o["woocommerce_order_id"] for o in api.all(linked, "orders")}
    return Counter((t["type"], by_order[t["order_id"]]) for t in triggers)


def expected_triggers(store: SimulatedStore) -> Counter[tuple[str, int]]:
    """For orders that all arrived by live sync: each submitted once, each paid one paid once."""
    with store.lock:
        orders = [o for o in store.orders.values() if o.status not in NOT_ORDERS_YET]
    expected: Counter[tuple[str, int]] = Counter()
    for order in orders:
        expected[("order_submitted", order.id)] = 1
        if order.date_paid is not None:
            expected[("payment_received", order.id)] = 1
    return expected


def assert_no_trigger_doubled(api: Api, linked: Linked) -> None:
    doubled = {key: n for key, n in trigger_counts(api, linked).items() if n > 1}
    assert not doubled, f"triggers fired more than once: {doubled}"


def resend(deliveries: list[Any]) -> list[int]:
    """POST recorded store deliveries to the service again, byte for byte; their statuses."""
    statuses = []
    with httpx.Client(timeout=30) as client:
        for delivery in deliveries:
            response = client.post(
                delivery.delivery_url, content=delivery.body, headers=delivery.headers
            )
            statuses.append(response.status_code)
    return statuses

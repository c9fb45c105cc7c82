"""The service under test, run for real: the API over HTTP on a loopback port, its worker
(in-process in the embedded default, `wooconnect worker` processes on Redis in production),
a simulated store, and what the tests expect of the CRM derived from the store's own data.

Nothing here calls the service's use cases: the tests reach it only through its HTTP API, as
a client would, and compute what it should hold independently from the store's records.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import redis
import uvicorn

from adapters.bootstrap import Container
from adapters.http.app import create_app
from adapters.settings import Settings
from adapters.woocommerce.simulator import RunningSimulator, SimulatedStore
from tests.conftest import TEST_FERNET_KEY
from tests.support.databases import fresh_postgres_database
from tests.support.services import REDIS_URL, require_postgres, require_redis

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "rules"
ADMIN_TOKEN = "e2e-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The end-to-end tests own this Redis database and flush it before and after each service.
E2E_REDIS_DB = 14
WORKER_ENTRY = "adapters.worker.dramatiq_app:broker"
# The same worker with a short heartbeat timeout: a killed worker's message comes back in
# seconds instead of Dramatiq's minute (see `tests.e2e.worker_app`).
FAST_RECOVERY_WORKER_ENTRY = "tests.e2e.worker_app:broker"

EMBEDDED = "embedded"
PRODUCTION = "production"
SHAPES = (EMBEDDED, PRODUCTION)

ALL_IMPORTS = {"contacts": True, "orders": True, "transactions": True}
ALL_SYNC = {
    "contacts": True,
    "orders": True,
    "transactions": True,
    "order_submitted_trigger": True,
    "payment_received_trigger": True,
}
# WooCommerce statuses that are not orders for the CRM: an open checkout, the bin.
NOT_ORDERS = frozenset({"checkout-draft", "trash"})
BUYER_ROLES = frozenset({"customer", "subscriber"})


def e2e_redis_url() -> str:
    parts = urlsplit(REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{E2E_REDIS_DB}"))


def flush_e2e_redis() -> None:
    client = redis.Redis.from_url(e2e_redis_url())
    try:
        client.flushdb()
    finally:
        client.close()


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float, what: str, every: float = 0.1
) -> None:
    """Poll `check` until it holds; fail with `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f}s waiting until {what}")
        await asyncio.sleep(every)


# -- the service ------------------------------------------------------------------------------


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def serving_over_http(app: Any, sock: socket.socket) -> Iterator[None]:
    """Serve the ASGI `app` with uvicorn on `sock` in a background thread (own event loop),
    lifespan included, until the block ends."""
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(server.serve(sockets=[sock]))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="wooconnect-e2e-api", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start: {failure}")
            time.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        loop.close()
        sock.close()


class WorkerProcess:
    """`wooconnect worker` as a child process in its own process group."""

    def __init__(self, env: Mapping[str, str], log: Path, entry: str) -> None:
        self.log_path = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "adapters.cli.main",
                    "worker",
                    "--threads",
                    "4",
                    "--shutdown-timeout",
                    "5",
                    "--entry",
                    entry,
                ],
                env=dict(env),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait_ready(self, within: float = 30) -> None:
        async def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited early:\n{self.log}")
            return "Worker process is ready for action" in self.log

        await eventually(ready, within=within, what="the worker is ready", every=0.05)

    def kill(self) -> None:
        """SIGKILL the whole process group, as an OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class Service:
    """One running wooconnect: `http` talks to its API at `base_url` with the admin token."""

    shape: str
    base_url: str
    http: httpx.AsyncClient
    env: dict[str, str]
    directory: Path
    database_url: str
    workers: list[WorkerProcess] = field(default_factory=list)

    def start_worker(self, entry: str = WORKER_ENTRY) -> WorkerProcess:
        """Start one more `wooconnect worker` process (production shape only)."""
        assert self.shape == PRODUCTION, "the embedded default runs its worker in-process"
        worker = WorkerProcess(
            self.worker_env(), self.directory / f"worker-{len(self.workers)}.log", entry
        )
        self.workers.append(worker)
        return worker

    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
        env.update(self.env)
        env.update(
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            WOOCONNECT_LOG_FORMAT="text",
            # Idle consumers poll Redis every 200 ms instead of every second.
            dramatiq_worker_timeout="200",
        )
        return env

    def worker_logs(self) -> str:
        return "\n".join(w.log for w in self.workers)


ContainerHook = Callable[[Container], None]


class ShiftedClock:
    """The system clock moved forward by `offset`, so a test can let time pass at once."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@asynccontextmanager
async def running_service(
    shape: str,
    directory: Path,
    *,
    start_worker: bool = True,
    worker_entry: str = WORKER_ENTRY,
    customise: ContainerHook | None = None,
    allow_private_stores: bool = True,
) -> AsyncIterator[Service]:
    """The service in `shape`, reachable over real HTTP on a free loopback port.

    Embedded: SQLite in `directory`, the worker inside the API process. Production: a fresh
    PostgreSQL database, Redis (database 14), the API here and `wooconnect worker` processes
    beside it. `customise` may adjust the API's container before its services are built.
    Private and plain-http stores are allowed (the simulator is one) unless told otherwise.
    """
    sock = _listening_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {
        "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
        "WOOCONNECT_SECRET_KEY": TEST_FERNET_KEY,
        "WOOCONNECT_PUBLIC_URL": base_url,
        "WOOCONNECT_RULES_DIR": str(RULES_DIR),
        "WOOCONNECT_ALLOW_PRIVATE_STORES": str(allow_private_stores).lower(),
        "WOOCONNECT_VAR_DIR": str(directory / "var"),
    }
    async with _database(shape, directory) as database_url:
        env["WOOCONNECT_DATABASE_URL"] = database_url
        if shape == PRODUCTION:
            env["WOOCONNECT_REDIS_URL"] = e2e_redis_url()
            flush_e2e_redis()
        settings = Settings.from_env(env)

        async def container() -> Container:
            from adapters.bootstrap import bootstrap

            built = await bootstrap(settings)
            if customise is not None:
                customise(built)
            return built

        app = create_app(settings, container_factory=container)
        service: Service | None = None
        try:
            with serving_over_http(app, sock):
                async with httpx.AsyncClient(base_url=base_url, headers=ADMIN, timeout=30) as http:
                    service = Service(shape, base_url, http, env, directory, database_url)
                    if shape == PRODUCTION and start_worker:
                        await service.start_worker(worker_entry).wait_ready()
                    yield service
        finally:
            if service is not None:
                for worker in service.workers:
                    worker.stop()
            if shape == PRODUCTION:
                flush_e2e_redis()


@asynccontextmanager
async def _database(shape: str, directory: Path) -> AsyncIterator[str]:
    if shape == EMBEDDED:
        # The embedded default migrates its own SQLite file on start.
        yield f"sqlite:///{directory / 'var' / 'wooconnect.db'}"
        return
    require_postgres()
    require_redis()
    async with fresh_postgres_database() as url:
        yield url


# -- the API, as a client uses it ---------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ok(response: Awaitable[httpx.Response], status: int = 200) -> Any:
    """The JSON body of a response that must have `status`."""
    answered = await response
    assert answered.status_code == status, (answered.status_code, answered.text)
    return answered.json() if answered.content else None


@dataclass(frozen=True, slots=True)
class Tenant:
    agency_id: str
    location_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.api_key)


async def new_tenant(http: httpx.AsyncClient, name: str) -> Tenant:
    """An agency with one location and an API key of its own (made by the admin)."""
    agency = await ok(http.post("/api/v1/agencies", json={"name": name}), 201)
    location = await ok(
        http.post(f"/api/v1/agencies/{agency['id']}/locations", json={"name": f"{name} HQ"}), 201
    )
    key = await ok(http.post(f"/api/v1/agencies/{agency['id']}/api-keys"), 201)
    return Tenant(agency["id"], location["id"], key["key"])


async def new_location(http: httpx.AsyncClient, agency_id: str, name: str) -> str:
    location = await ok(
        http.post(f"/api/v1/agencies/{agency_id}/locations", json={"name": name}), 201
    )
    return str(location["id"])


async def connect_store(
    http: httpx.AsyncClient,
    sim: RunningSimulator,
    location_id: str,
    *,
    key_grant: bool = False,
    imports: Mapping[str, bool] = ALL_IMPORTS,
    sync: Mapping[str, bool] = ALL_SYNC,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The whole wizard: the store URL, access (the WooCommerce key grant, or keys typed in),
    what to import, what to sync, then save. Returns the activated connection."""
    extra = dict(headers or {})
    started = await ok(
        http.post(
            f"/api/v1/locations/{location_id}/woocommerce",
            json={"store_url": sim.base_url},
            headers=extra,
        ),
        201,
    )
    assert started["status"] == "awaiting_authorization"
    assert started["authorize_url"].startswith(f"{sim.base_url}/wc-auth/v1/authorize?")
    connection_id = started["id"]
    if key_grant:
        # The merchant follows authorize_url and approves; the store POSTs the keys back.
        async with httpx.AsyncClient() as browser:
            screen = await browser.get(started["authorize_url"])
        assert screen.status_code == 200, screen.text
        outcome = await sim.approve_key_grant()
        assert outcome.approved, outcome.error
        authorized = await ok(http.get(f"/api/v1/connections/{connection_id}", headers=extra))
    else:
        key = sim.store.create_api_key()
        authorized = await ok(
            http.post(
                f"/api/v1/connections/{connection_id}/credentials",
                json={"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret},
                headers=extra,
            )
        )
    assert authorized["status"] == "authorized"
    chosen = await ok(
        http.put(f"/api/v1/connections/{connection_id}/import", json=dict(imports), headers=extra)
    )
    assert chosen["import"] == dict(imports)
    synced = await ok(
        http.put(f"/api/v1/connections/{connection_id}/sync", json=dict(sync), headers=extra)
    )
    assert synced["sync"] == dict(sync)
    active = await ok(
        http.post(f"/api/v1/connections/{connection_id}/activate", headers=extra), 202
    )
    assert active["status"] == "active"
    assert active["webhooks"]["registered"] is True
    return dict(active)


async def wait_for_imports(
    http: httpx.AsyncClient, connection_id: str, *, within: float = 60
) -> dict[str, Any]:
    """Poll the connection until every import job has finished; returns the connection."""
    latest: dict[str, Any] = {}

    async def finished() -> bool:
        nonlocal latest
        latest = await ok(http.get(f"/api/v1/connections/{connection_id}"))
        jobs = latest["imports"]
        return bool(jobs) and all(j["status"] in {"completed", "failed"} for j in jobs)

    await eventually(finished, within=within, what="the import has finished", every=0.2)
    return latest


async def list_all(http: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    """Every item of a paged list endpoint."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = await ok(http.get(path, params=params))
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@dataclass(frozen=True, slots=True)
class LocationData:
    contacts: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    transactions: list[dict[str, Any]]
    triggers: list[dict[str, Any]]


async def location_data(http: httpx.AsyncClient, location_id: str) -> LocationData:
    base = f"/api/v1/locations/{location_id}"
    return LocationData(
        contacts=await list_all(http, f"{base}/contacts"),
        orders=await list_all(http, f"{base}/orders"),
        transactions=await list_all(http, f"{base}/transactions"),
        triggers=await list_all(http, f"{base}/triggers"),
    )


# -- what the CRM must hold, from the store's own records ---------------------------------------


def crm_status(store_status: str) -> str:
    """DESIGN.md item 8, restated here so the test does not use the service's rules."""
    if store_status in {"completed", "refunded"}:
        return "completed"
    if store_status in {"cancelled", "failed"}:
        return "cancelled"
    return "pending"


def _email(value: str) -> str:
    return value.strip().lower()


@dataclass(frozen=True, slots=True)
class Expected:
    """What a complete import of the store must leave in the location."""

    customer_ids: frozenset[int]
    guest_emails: frozenset[str]
    order_statuses: dict[int, str]
    order_emails: dict[int, str]
    charged_orders: frozenset[int]
    refunds_per_order: dict[int, int]

    @property
    def refunds(self) -> int:
        return sum(self.refunds_per_order.values())

    @property
    def contacts(self) -> int:
        return len(self.customer_ids) + len(self.guest_emails)


def expected_import(store: SimulatedStore) -> Expected:
    """Derived from the store's records alone.

    Contacts: every customer or subscriber with an e-mail, plus one per distinct guest e-mail
    of an imported guest order that no imported customer has (contacts are matched by e-mail).
    Orders: every status but checkout drafts and the bin. Charges: imported orders with a
    payment date. Refunds: every refund of an imported order.
    """
    with store.lock:
        customers = {
            c.id: _email(c.email)
            for c in store.customers.values()
            if c.role in BUYER_ROLES and c.email.strip()
        }
        orders = [o for o in store.orders.values() if o.status not in NOT_ORDERS]
        registered = set(customers.values())
        guests = {
            _email(o.billing["email"])
            for o in orders
            if o.customer_id == 0 and o.billing.get("email", "").strip()
        }
        imported = {o.id for o in orders}
        return Expected(
            customer_ids=frozenset(customers),
            guest_emails=frozenset(guests - registered),
            order_statuses={o.id: o.status for o in orders},
            order_emails={o.id: _email(o.billing.get("email", "")) for o in orders},
            charged_orders=frozenset(o.id for o in orders if o.date_paid is not None),
            refunds_per_order=dict(
                Counter(r.order_id for r in store.refunds.values() if r.order_id in imported)
            ),
        )


def phones_shared_by_different_people(store: SimulatedStore) -> set[str]:
    """Phone numbers billed under more than one e-mail address. Contacts are also matched by
    phone, so where there are none, contacts map one to one to e-mail addresses."""
    with store.lock:
        owners: dict[str, set[str]] = {}
        for order in store.orders.values():
            phone = "".join(ch for ch in order.billing.get("phone", "") if ch.isdigit())
            if phone:
                owners.setdefault(phone, set()).add(_email(order.billing.get("email", "")))
        for customer in store.customers.values():
            phone = "".join(ch for ch in customer.billing.get("phone", "") if ch.isdigit())
            if phone:
                owners.setdefault(phone, set()).add(_email(customer.email))
    return {phone for phone, emails in owners.items() if len(emails) > 1}


def assert_location_matches_store(data: LocationData, expected: Expected) -> None:
    """The location holds exactly the store's eligible records, each once, mapped right."""
    contacts = data.contacts
    emails = Counter(_email(c["email"] or "") for c in contacts)
    assert [e for e, n in emails.items() if n > 1] == [], "duplicate contacts"
    registered = {c["woocommerce_customer_id"] for c in contacts if c["woocommerce_customer_id"]}
    assert registered == set(expected.customer_ids)
    others = {_email(c["email"]) for c in contacts if c["woocommerce_customer_id"] is None}
    assert others == set(expected.guest_emails)
    assert len(contacts) == expected.contacts

    orders = data.orders
    by_store_id = Counter(o["woocommerce_order_id"] for o in orders)
    assert [i for i, n in by_store_id.items() if n > 1] == [], "duplicate orders"
    assert set(by_store_id) == set(expected.order_statuses)
    email_of = {c["id"]: _email(c["email"] or "") for c in contacts}
    store_id_of = {o["id"]: o["woocommerce_order_id"] for o in orders}
    for order in orders:
        store_id = order["woocommerce_order_id"]
        store_status = expected.order_statuses[store_id]
        assert order["store_status"] == store_status
        assert order["status"] == crm_status(store_status), order
        assert order["source_subtype"] == "woocommerce"
        assert email_of.get(order["contact_id"]) == expected.order_emails[store_id], order

    refs = Counter(t["woocommerce_ref"] for t in data.transactions)
    assert [r for r, n in refs.items() if n > 1] == [], "duplicate transactions"
    charged = Counter(
        store_id_of[t["order_id"]] for t in data.transactions if t["kind"] == "charge"
    )
    assert set(charged) == set(expected.charged_orders)
    assert sum(charged.values()) == len(expected.charged_orders)
    refunded = Counter(
        store_id_of[t["order_id"]] for t in data.transactions if t["kind"] == "refund"
    )
    assert dict(refunded) == expected.refunds_per_order

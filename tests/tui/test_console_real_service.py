"""The console's main paths against the real service: the Litestar app served in-process over
httpx's ASGI transport, on the embedded default (SQLite and the in-process worker) in a temporary
directory, with a store connected through the API from the simulator.

Every wait is on a condition (the console's state or the service's answer), never on a delay.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import ProgressBar, Static

from tests.support.waiting import PATIENCE_S
from tests.tui.conftest import SIZE
from tests.tui.test_console import text_of, trace_text, wait_for
from wooconnect.adapters.http.app import create_app as create_service
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    StoreSettings,
    running_simulator,
    seed_store,
)
from wooconnect.tui.api import ApiClient
from wooconnect.tui.app import ConsoleApp, create_app
from wooconnect.tui.screens.confirm import ConfirmScreen
from wooconnect.tui.screens.connection import ConnectionScreen
from wooconnect.tui.screens.decisions import DecisionsScreen
from wooconnect.tui.screens.location import LocationScreen
from wooconnect.tui.screens.tenants import TenantsScreen
from wooconnect.tui.widgets.error_panel import ErrorPanel
from wooconnect.tui.widgets.import_job import ImportJobView
from wooconnect.tui.widgets.sync_toggles import SyncToggles

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
ADMIN_TOKEN = "wc_admin_console_real_service"
CONSUMER_KEY = "ck_" + "c" * 40
CONSUMER_SECRET = "cs_" + "d" * 40
LOCATION_NAME = "Harbour Bikes"
# Several pages of orders, each answered a little late, as a store across a network would.
CUSTOMERS, ORDERS, LATENCY_MS = 40, 250, 20


class ServerSideTransport(httpx.AsyncBaseTransport):
    """httpx's ASGI transport with a server's independence: a request the console abandons
    (a screen closed, the console quit) still runs to its end, as it would behind a socket,
    instead of being cancelled inside the service's database transaction."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._in_flight: set[asyncio.Task[httpx.Response]] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        task = asyncio.create_task(self._inner.handle_async_request(request))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        return await asyncio.shield(task)

    async def drain(self) -> None:
        """Wait for the requests still being answered."""
        await asyncio.gather(*self._in_flight, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class Service:
    """The running service, an admin client on it, and the connection made for the test."""

    app: Any
    http: httpx.AsyncClient
    store: RunningSimulator
    connection_id: str
    location_id: str
    transport: ServerSideTransport

    async def connection(self) -> dict[str, Any]:
        """The connection as the API answers it now."""
        response = await self.http.get(f"/api/v1/connections/{self.connection_id}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def console(self, *, poll_interval: float = 0.1) -> ConsoleApp:
        """A console whose client reaches this service in-process."""
        client = ApiClient("http://wooconnect.test", ADMIN_TOKEN, transport=self.transport)
        return create_app(client, poll_interval=poll_interval)


@pytest.fixture
def store() -> Iterator[RunningSimulator]:
    """A seeded store on a loopback port; some of its customers are not importable."""
    simulated = SimulatedStore(StoreSettings(), seed=11)
    seed_store(simulated, customers=CUSTOMERS, orders=ORDERS, seed=11)
    simulated.create_api_key(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET)
    with running_simulator(simulated, latency_ms=LATENCY_MS) as running:
        yield running


@pytest.fixture
async def service(tmp_path: Path, store: RunningSimulator) -> AsyncIterator[Service]:
    """The real app on the embedded default, its lifespan (and so its worker) running, with the
    store connected through the three steps and its first import finished."""
    settings = Settings.from_env(
        {
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'wooconnect.db'}",
            "WOOCONNECT_ALLOW_PRIVATE_STORES": "true",
            "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
            "WOOCONNECT_RULES_DIR": str(RULES_DIR),
            # Nothing listens there: the store's webhook pings must not reach another service.
            "WOOCONNECT_PUBLIC_URL": f"http://127.0.0.1:{_closed_port()}",
        }
    )
    app: Any = create_service(settings)
    transport = ServerSideTransport(app)
    async with (
        _serving(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://wooconnect.test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as http,
    ):
        location_id, connection_id = await _connect_store(http, store.base_url)
        service = Service(app, http, store, connection_id, location_id, transport)
        await _until_imports_finish(service)
        try:
            yield service
        finally:
            await transport.drain()


@asynccontextmanager
async def _serving(app: Any) -> AsyncIterator[None]:
    """Run the app's lifespan (container and in-process worker) in a task of its own: the
    lifespan must end in the task it started in, and a fixture's setup and teardown do not
    share one."""
    started = asyncio.Event()
    stop = asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()  # the lifespan failed to start: raise its error
    try:
        yield
    finally:
        stop.set()
        await task


async def _connect_store(http: httpx.AsyncClient, store_url: str) -> tuple[str, str]:
    """An agency with two locations; the first connects the store and activates it."""

    async def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = await http.request(method, path, json=body)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        answer: dict[str, Any] = response.json()
        return answer

    agency = await call("POST", "/api/v1/agencies", {"name": "Coastal Commerce"})
    location = await call(
        "POST", f"/api/v1/agencies/{agency['id']}/locations", {"name": LOCATION_NAME}
    )
    await call("POST", f"/api/v1/agencies/{agency['id']}/locations", {"name": "Harbour Events"})
    connection = await call(
        "POST", f"/api/v1/locations/{location['id']}/woocommerce", {"store_url": store_url}
    )
    path = f"/api/v1/connections/{connection['id']}"
    credentials = {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}
    await call("POST", f"{path}/credentials", credentials)
    await call("PUT", f"{path}/import", {"contacts": True, "orders": True, "transactions": True})
    sync = {
        "contacts": True,
        "orders": True,
        "transactions": False,
        "order_submitted_trigger": True,
        "payment_received_trigger": False,
    }
    await call("PUT", f"{path}/sync", sync)
    activated = await call("POST", f"{path}/activate")
    assert activated["status"] == "active"
    return location["id"], connection["id"]


async def _until_imports_finish(service: Service, seconds: float = PATIENCE_S) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        jobs = (await service.connection())["imports"]
        if jobs and all(job["status"] in ("completed", "failed") for job in jobs):
            assert all(job["status"] == "completed" for job in jobs), jobs
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the first import did not finish")


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _open_connection(pilot: Any) -> ConnectionScreen:
    """Find the location by typing its name, then open its store from the keyboard."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
    await pilot.press(*"bikes", "enter")
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConnectionScreen))
    screen = app.screen
    assert isinstance(screen, ConnectionScreen)
    await wait_for(pilot, lambda: screen.connection is not None)
    return screen


async def test_browsing_reaches_the_store_connected_through_the_api(service: Service) -> None:
    app = service.console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_connection(pilot)
        assert screen.connection_id == service.connection_id
        summary = text_of(screen.query_one("#summary", Static))
        assert service.store.base_url in summary
        assert "● active" in summary
        assert "registered yes · healthy yes" in summary
        assert "contacts, orders, transactions" in summary
        view = screen.query_one("#import-contacts", ImportJobView)
        await wait_for(pilot, lambda: view.job is not None)
        assert view.job is not None
        assert view.job.status == "completed"
        assert view.job.skipped > 0


async def test_a_sync_item_toggled_in_the_console_is_saved_by_the_service(
    service: Service,
) -> None:
    app = service.console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_connection(pilot)
        toggles = screen.query_one(SyncToggles)
        await wait_for(pilot, lambda: toggles.settings is not None)
        assert toggles.has_focus
        await pilot.press("down", "down", "enter")  # transactions, off since connecting
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(
            pilot, lambda: toggles.settings is not None and toggles.settings.transactions
        )
    saved = (await service.connection())["sync"]
    assert saved["transactions"] is True
    assert saved["contacts"] is True
    assert saved["payment_received_trigger"] is False


async def test_a_rerun_import_moves_its_progress_bar_until_it_completes(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_run = {job["entity"]: job for job in (await service.connection())["imports"]}
    app = service.console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_connection(pilot)
        view = screen.query_one("#import-orders", ImportJobView)
        bar = view.query_one(ProgressBar)
        with OrderPagesGate(service.store, monkeypatch) as gate:
            await pilot.press("i")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")

            def held_after_the_first_page() -> bool:
                job = view.job
                return (
                    job is not None
                    and job.id != first_run["orders"]["id"]
                    and job.status == "running"
                    and 0 < job.processed < (job.total or 0)
                )

            await wait_for(pilot, held_after_the_first_page)
            part = bar.progress
            assert 0 < part < (bar.total or 0)
            assert "rate " in text_of(view.query_one(".counts", Static))
            gate.open()
        await wait_for(pilot, lambda: bar.progress > part)
        await wait_for(pilot, lambda: view.job is not None and view.job.status == "completed")
        assert bar.percentage == 1
        assert view.job is not None
        assert view.job.total == first_run["orders"]["total"]


class OrderPagesGate:
    """Holds the store's answers to every page of orders after the first until `open`, so an
    import stops part-way for as long as a test looks at it."""

    def __init__(self, store: RunningSimulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self._app = store.app
        self._monkeypatch = monkeypatch
        self._opened = threading.Event()

    def __enter__(self) -> OrderPagesGate:
        answer = self._app.handle

        async def handle(request: Any) -> Any:
            if request.path.endswith("/orders") and request.params.get("page", "1") != "1":
                await asyncio.to_thread(self._opened.wait)
            return await answer(request)

        self._monkeypatch.setattr(self._app, "handle", handle)
        return self

    def open(self) -> None:
        """Let the held pages through."""
        self._opened.set()

    def __exit__(self, *exc: object) -> None:
        self.open()


async def test_the_decisions_log_explains_why_customers_were_skipped(service: Service) -> None:
    app = service.console()
    async with app.run_test(size=SIZE) as pilot:
        await _open_connection(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionsScreen))
        screen = app.screen
        assert isinstance(screen, DecisionsScreen)
        await wait_for(pilot, lambda: bool(screen.decisions))
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: (
                bool(screen.decisions) and all(d.outcome == "skipped" for d in screen.decisions)
            ),
        )
        skipped = screen.decisions[0]
        assert skipped.record_type == "customer"
        assert skipped.rule_set == "customer_eligibility"
        trace = trace_text(app)
        assert "Rule set customer_eligibility" in trace
        assert f"version {skipped.rule_set_version}" in trace
        assert "◀ matched" in trace
        assert "customer.role" in trace


async def test_a_locations_keys_and_subscribers_are_read_from_the_service(
    service: Service,
) -> None:
    agency_id = (await service.connection())["agency_id"]
    issued = await service.http.post(f"/api/v1/agencies/{agency_id}/api-keys")
    assert issued.status_code == 201, issued.text
    hook = "https://hooks.example.com/catch/harbour"
    subscribed = await service.http.post(
        f"/api/v1/locations/{service.location_id}/trigger-subscriptions",
        json={"url": hook, "events": ["order_submitted"]},
    )
    assert subscribed.status_code == 201, subscribed.text
    app = service.console()
    async with app.run_test(size=SIZE) as pilot:
        await _open_connection(pilot)
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, LocationScreen))
        screen = app.screen
        assert isinstance(screen, LocationScreen)
        await wait_for(pilot, lambda: screen.keys is not None)
        assert screen.keys is not None
        assert [key.id for key in screen.keys] == [issued.json()["id"]]
        assert issued.json()["key"].startswith(screen.keys[0].prefix)
        assert screen.subscriptions is not None
        assert [(s.url, s.events) for s in screen.subscriptions] == [(hook, ["order_submitted"])]
        assert "not called yet" in text_of(screen.query_one("#subscription-detail", Static))


async def test_a_connection_the_service_does_not_know_is_shown_as_not_found(
    service: Service,
) -> None:
    app = service.console()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
        screen = ConnectionScreen(app.context, "01a21af0-0000-7000-8000-000000000000")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.loads > 0)
        panel = screen.query_one(ErrorPanel)
        assert panel.error is not None
        assert panel.error.status == 404
        assert "Not found (404)" in text_of(panel)
        assert "connection not found" in text_of(panel)
        await pilot.press("escape")
        assert isinstance(app.screen, TenantsScreen)
        assert app.is_running


async def test_a_service_that_does_not_answer_is_shown_without_a_crash() -> None:
    client = ApiClient(f"http://127.0.0.1:{_closed_port()}", ADMIN_TOKEN, timeout=2)
    app = create_app(client, poll_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(ErrorPanel)
        await wait_for(pilot, lambda: panel.error is not None)
        assert "Service unreachable" in text_of(panel)
        await pilot.press("f3")
        assert app.is_running

"""`wooconnect demo`: the whole product on one machine, with a store that keeps selling.

It starts a seeded simulated WooCommerce store and the service (embedded default: SQLite and
the in-process worker) on loopback ports, then goes through the product like a user would,
over the HTTP API: an agency, a location, the three-step wizard with the key grant (approved on
the simulated store), the import with a progress bar, and then live traffic: guests and
registered customers place orders, some are paid, a few refunded, and each workflow trigger
the service fires is printed. Ctrl-C (or SIGTERM, or `--duration`) stops everything cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import random
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import httpx
import uvicorn

from wooconnect.adapters.background_server import listening_socket, serving_in_thread
from wooconnect.adapters.cli.failure import fail
from wooconnect.adapters.cli.store_options import add_store_options, seeded_store
from wooconnect.adapters.settings import Settings

DEFAULT_VAR_DIR = Path("./var/demo")
BAR_WIDTH = 28


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `demo` to the CLI."""
    parser = subparsers.add_parser(
        "demo",
        help="run a simulated store, the service and live orders, all on this machine",
        description=(
            "Start a seeded simulated WooCommerce store and the service (SQLite, in-process "
            "worker), connect the store through the wizard, import it, then keep placing and "
            "paying orders so live sync and triggers show. Ctrl-C stops everything."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface for the API")
    parser.add_argument("--port", type=int, default=8000, help="API port (default: 8000)")
    parser.add_argument(
        "--store-port", type=int, default=0, help="simulated store port (default: a free one)"
    )
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=DEFAULT_VAR_DIR,
        help=f"where the demo keeps its database, key and token (default: {DEFAULT_VAR_DIR}); "
        "the database is started afresh on every run",
    )
    add_store_options(parser, customers=150, orders=1200, seed=7)
    parser.add_argument(
        "--interval", type=float, default=1.5, help="seconds between store actions (default 1.5)"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    parser.set_defaults(handler=run)


# -- terminal output ---------------------------------------------------------------------------


class Terminal:
    """Lines for people: a `\\r`-redrawn progress line on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self._partial = False
        self._last_progress = ""

    def line(self, text: str = "") -> None:
        self._end_progress()
        print(text, file=self.stream, flush=True)

    def progress(self, text: str) -> None:
        if text == self._last_progress:
            return
        self._last_progress = text
        if self.interactive:
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()
            self._partial = True
        else:
            print(text, file=self.stream, flush=True)

    def _end_progress(self) -> None:
        if self._partial:
            self.stream.write("\n")
            self._partial = False


def progress_line(imports: list[dict[str, Any]]) -> str:
    """`Importing [#####.....]  52%  contacts 40/40 · orders 80/150 · transactions 0/?`."""
    total = sum(int(i.get("total") or 0) for i in imports)
    done = sum(
        int(i.get("done") or 0) + int(i.get("skipped") or 0) + int(i.get("failed") or 0)
        for i in imports
    )
    finished = bool(imports) and all(i.get("status") in {"completed", "failed"} for i in imports)
    share = 1.0 if finished else min(done / total if total else 0.0, 0.99)
    filled = round(BAR_WIDTH * min(share, 1.0))
    parts = []
    for item in imports:
        count = int(item.get("done") or 0) + int(item.get("skipped") or 0)
        known = item.get("total")
        mark = " ✓" if item.get("status") == "completed" else ""
        if item.get("status") == "failed":
            mark = " ✗"
        parts.append(f"{item.get('entity')} {count}/{known if known is not None else '?'}{mark}")
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    return f"Importing [{bar}] {share:4.0%}  " + " · ".join(parts)


# -- the service and the store -----------------------------------------------------------------


@contextlib.contextmanager
def running_service(settings: Settings, sock: socket.socket) -> Iterator[None]:
    """The API (with its in-process worker) on `sock`, in a background thread."""
    from wooconnect.adapters.http.app import create_app
    from wooconnect.adapters.logging_setup import UVICORN_LOG_CONFIG

    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        log_config=UVICORN_LOG_CONFIG,
        lifespan="on",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    with serving_in_thread(
        server,
        lambda: server.run(sockets=[sock]),
        name="wooconnect-demo-api",
        start_within=60,
        stop_within=15,
        not_started="the service did not start (see the log above)",
    ):
        yield


@dataclass
class Traffic:
    """What the demo has done to the store, and what it has seen the service do."""

    rng: random.Random
    placed: int = 0
    paid: int = 0
    refunded: int = 0
    registered: int = 0
    triggers: int = 0
    unpaid: list[int] = field(default_factory=list)
    refundable: list[int] = field(default_factory=list)
    order_numbers: dict[str, str] = field(default_factory=dict)
    people: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class Demo:
    """Drives the wizard and the traffic over the service's HTTP API."""

    def __init__(
        self,
        api: httpx.AsyncClient,
        running: Any,
        terminal: Terminal,
        stop: asyncio.Event,
        seed: int,
    ) -> None:
        self.api = api
        self.running = running  # adapters.woocommerce.simulator.RunningSimulator
        self.store = running.store
        self.out = terminal
        self.stop = stop
        self.traffic = Traffic(random.Random(seed))
        self.location_id = ""
        self.connection_id = ""
        self._seen: dict[str, set[str]] = {}

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.api.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise DemoError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    async def sleep(self, seconds: float) -> bool:
        """Wait, unless asked to stop; True when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)
        return self.stop.is_set()

    # -- the wizard ----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Agency, location, then the wizard: store URL, key grant, import, sync, save."""
        agency = await self._call("POST", "/api/v1/agencies", json={"name": "Demo Agency"})
        self.out.line(f"✓ agency    {agency['name']}  ({agency['id']})")
        location = await self._call(
            "POST", f"/api/v1/agencies/{agency['id']}/locations", json={"name": "Demo Shop"}
        )
        self.location_id = location["id"]
        self.out.line(f"✓ location  {location['name']}  ({location['id']})")
        started = await self._call(
            "POST",
            f"/api/v1/locations/{self.location_id}/woocommerce",
            json={"store_url": self.running.base_url},
        )
        self.connection_id = started["id"]
        self.out.line(f"  step 1    store URL {self.running.base_url}: authorisation needed")
        # The merchant opens the authorize page and clicks Approve; the store posts the keys.
        async with httpx.AsyncClient() as browser:
            page = await browser.get(started["authorize_url"])
            if page.status_code != 200:
                raise DemoError(f"the store's authorize page answered {page.status_code}")
        outcome = await self.running.approve_key_grant()
        if not outcome.approved:
            raise DemoError(f"the key grant failed: {outcome.error}")
        connection = await self._wait_for_status("authorized")
        self.out.line(f"✓ step 1    keys granted by the store: {connection['status']}")
        entities = {"contacts": True, "orders": True, "transactions": True}
        await self._call("PUT", f"/api/v1/connections/{self.connection_id}/import", json=entities)
        self.out.line("✓ step 2    import contacts, orders and transactions")
        sync = {**entities, "order_submitted_trigger": True, "payment_received_trigger": True}
        await self._call("PUT", f"/api/v1/connections/{self.connection_id}/sync", json=sync)
        self.out.line("✓ step 3    keep everything in sync; both workflow triggers on")
        await self._call("POST", f"/api/v1/connections/{self.connection_id}/activate")
        self.out.line("✓ saved     webhooks registered, import started")

    async def _wait_for_status(self, status: str) -> dict[str, Any]:
        for _ in range(200):
            connection: dict[str, Any] = await self._call(
                "GET", f"/api/v1/connections/{self.connection_id}"
            )
            if connection["status"] == status:
                return connection
            await asyncio.sleep(0.05)
        raise DemoError(f"the connection did not become {status}")

    async def follow_import(self) -> None:
        """Redraw the progress bar until every import job has finished."""
        while not self.stop.is_set():
            connection = await self._call("GET", f"/api/v1/connections/{self.connection_id}")
            imports = connection.get("imports") or []
            self.out.progress(progress_line(imports))
            if imports and all(i["status"] in {"completed", "failed"} for i in imports):
                self.out.line()
                for item in imports:
                    self.out.line(
                        f"  {item['entity']:<13} {item['done']} imported, {item['skipped']} "
                        f"skipped by the rules, {item['failed']} failed"
                    )
                return
            await self.sleep(0.1)

    # -- the traffic ---------------------------------------------------------------------------

    def _person(self) -> tuple[dict[str, str], str]:
        from wooconnect.adapters.woocommerce.simulator.seed import _person

        rng = self.traffic.rng
        person = _person(rng)
        number = next(self.traffic.people)
        email = f"{person['first_name']}.{person['last_name']}.{number}@example.com"
        email = "".join(ch for ch in email.lower() if ch.isascii() and ch != " ")
        return {**person, "email": email}, f"{person['first_name']} {person['last_name']}"

    def _items(self) -> list[tuple[int, int]]:
        rng = self.traffic.rng
        return [(rng.randrange(5), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]

    def place_guest_order(self, *, paid: bool) -> str:
        billing, name = self._person()
        status = "processing" if paid else "pending"
        order = self.store.create_order(
            billing=billing, items=self._items(), status=status, paid=paid
        )
        self._track(order.id, paid)
        how = "paid at checkout" if paid else "awaiting payment"
        return f"order #{order.id} by guest {name}, {order.total} {order.currency}, {how}"

    def place_customer_order(self) -> str:
        customers = [c for c in self.store.customers.values() if c.role == "customer"]
        rng = self.traffic.rng
        if not customers or rng.random() < 0.3:
            billing, name = self._person()
            customer = self.store.create_customer(
                email=billing["email"],
                first_name=billing["first_name"],
                last_name=billing["last_name"],
                billing=billing,
            )
            self.traffic.registered += 1
            who = f"new customer {name}"
        else:
            customer = rng.choice(customers)
            who = f"customer {customer.first_name} {customer.last_name}".strip()
        order = self.store.create_order(customer_id=customer.id, items=self._items())
        self._track(order.id, paid=False)
        return f"order #{order.id} by {who}, {order.total} {order.currency}, awaiting payment"

    def pay_an_order(self) -> str | None:
        if not self.traffic.unpaid:
            return None
        order_id = self.traffic.unpaid.pop(0)
        self.store.update_order(order_id, status="processing", paid=True)
        self.traffic.paid += 1
        self.traffic.refundable.append(order_id)
        return f"order #{order_id} paid"

    def refund_an_order(self) -> str | None:
        if not self.traffic.refundable:
            return None
        rng = self.traffic.rng
        order_id = self.traffic.refundable.pop(rng.randrange(len(self.traffic.refundable)))
        total = self.store.orders[order_id].total
        amount = total if rng.random() < 0.5 else (total / 2).quantize(Decimal("0.01"))
        self.store.add_refund(order_id, amount, reason="Customer request")
        self.traffic.refunded += 1
        kind = "fully" if amount == total else "partly"
        return f"order #{order_id} {kind} refunded ({amount})"

    def _track(self, order_id: int, paid: bool) -> None:
        self.traffic.placed += 1
        if paid:
            self.traffic.paid += 1
            self.traffic.refundable.append(order_id)
        else:
            self.traffic.unpaid.append(order_id)

    def next_action(self, step: int) -> Callable[[], str | None]:
        """A cycle that shows every kind of change early, then some randomness."""
        cycle: list[Callable[[], str | None]] = [
            lambda: self.place_guest_order(paid=False),
            self.place_customer_order,
            self.pay_an_order,
            lambda: self.place_guest_order(paid=True),
            self.pay_an_order,
            self.refund_an_order,
        ]
        if step < len(cycle):
            return cycle[step]
        return self.traffic.rng.choices(cycle, weights=(3, 3, 4, 2, 0, 1))[0]

    async def _new_items(self, kind: str) -> list[dict[str, Any]]:
        """The location's `kind` items not returned by earlier calls, oldest first. Lists are
        newest first: pages are read from the first until one holds an item seen before."""
        seen = self._seen.setdefault(kind, set())
        fresh: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = await self._call(
                "GET", f"/api/v1/locations/{self.location_id}/{kind}", params=params
            )
            known = [item["id"] in seen for item in page["items"]]
            fresh += [item for item, old in zip(page["items"], known, strict=True) if not old]
            cursor = page.get("next_cursor")
            if any(known) or not cursor:
                seen.update(item["id"] for item in fresh)
                return fresh[::-1]

    async def show_triggers(self) -> None:
        """Print the triggers the service fired since the last look, in order."""
        fresh = await self._new_items("triggers")
        if not fresh:
            return
        if any(t["order_id"] not in self.traffic.order_numbers for t in fresh):
            for order in await self._new_items("orders"):
                self.traffic.order_numbers[order["id"]] = str(order["woocommerce_order_id"])
        for trigger in fresh:
            self.traffic.triggers += 1
            number = self.traffic.order_numbers.get(trigger["order_id"], "?")
            self.out.line(f"  trigger ◀ {trigger['type']:<16} order #{number}")

    async def live(self, started: float) -> None:
        """Place, pay and refund orders until stopped; print each trigger that fires."""
        self.out.line("Live: the store keeps selling (Ctrl-C to stop)")
        # The import's own triggers (if the rules fire any) are history, not live traffic.
        await self._new_items("triggers")
        step = 0
        next_action = time.monotonic()
        while not self.stop.is_set():
            if time.monotonic() >= next_action:
                what = self.next_action(step)()
                step += 1
                if what is not None:
                    self.out.line(f"  store   ▶ {what}")
                next_action = time.monotonic() + self.traffic_interval
            try:
                await self.show_triggers()
            except httpx.HTTPError as exc:
                self.out.line(f"  (the API did not answer: {exc})")
            if await self.sleep(0.4):
                break
        elapsed = time.monotonic() - started
        t = self.traffic
        self.out.line(
            f"Stopped after {elapsed:.0f} s: {t.placed} orders placed, {t.paid} paid, "
            f"{t.refunded} refunded, {t.registered} customers registered; "
            f"{t.triggers} triggers fired."
        )

    traffic_interval = 1.5


class DemoError(Exception):
    """The demo could not go on; the message says why."""


# -- the command -------------------------------------------------------------------------------


def _settings(args: argparse.Namespace, base: Settings) -> Settings:
    """The environment's settings, with the demo's own database and address, no Redis (the
    worker runs in-process), and the simulated store's private address and plain-http key
    grant allowed."""
    var_dir: Path = args.var_dir
    return replace(
        base,
        database_url=f"sqlite:///{(var_dir / 'demo.db').resolve()}",
        redis_url=None,
        public_url=f"http://{args.host}:{args.port}",
        allow_private_stores=True,
        allow_http_key_grant=True,
        var_dir=var_dir,
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo; 0 when it ends by Ctrl-C, SIGTERM or `--duration`."""
    from wooconnect.adapters.bootstrap import check_rules
    from wooconnect.adapters.logging_setup import configure_logging, service_secrets
    from wooconnect.adapters.settings import resolve_secrets

    settings = _settings(args, Settings.from_env())
    check_rules(settings.rules_dir)
    # A fresh database each run: the store is new each run too.
    for leftover in settings.var_dir.glob("demo.db*"):
        leftover.unlink()
    secrets = resolve_secrets(settings)
    # The service logs warnings and errors only, below the demo's own lines.
    configure_logging(
        settings.log_format,
        level=logging.WARNING,
        secrets=service_secrets(secrets.admin_token, secrets.secret_key),
    )
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        return fail(f"cannot listen on {args.host}:{args.port}: {exc}")
    try:
        return asyncio.run(_main(args, settings, secrets.admin_token, sock))
    except DemoError as exc:
        print(f"wooconnect demo: {exc}", file=sys.stderr)
        return 1
    finally:
        sock.close()


async def _main(
    args: argparse.Namespace, settings: Settings, admin_token: str, sock: socket.socket
) -> int:
    from wooconnect.adapters.woocommerce.simulator import StoreSettings, running_simulator

    out = Terminal(sys.stdout)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    if args.duration is not None:
        loop.call_later(args.duration, stop.set)

    # The demo serves the API over plain http on loopback: its store takes an http key-grant
    # callback, which a real store refuses.
    store = seeded_store(args, StoreSettings(require_https_callback=False))
    api_url = settings.public_url
    out.line("wooconnect demo")
    with running_simulator(store, host="127.0.0.1", port=args.store_port) as running:
        out.line(
            f"✓ store     {running.base_url}  (simulated WooCommerce: "
            f"{len(store.customers)} users, {len(store.orders)} orders)"
        )
        with running_service(settings, sock):
            out.line(f"✓ service   {api_url}  (SQLite in {settings.var_dir}, in-process worker)")
            headers = {"Authorization": f"Bearer {admin_token}"}
            async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api:
                demo = Demo(api, running, out, stop, args.seed)
                demo.traffic_interval = max(0.1, args.interval)
                await demo.connect()
                await demo.follow_import()
                if not stop.is_set():
                    _print_how_to_look(out, settings, api_url, demo)
                    await demo.live(started)
            out.line("Stopping the service and the store…")
    out.line("Bye.")
    return 0


def _print_how_to_look(out: Terminal, settings: Settings, api_url: str, demo: Demo) -> None:
    out.line()
    out.line("Look around while it runs:")
    console = f"WOOCONNECT_VAR_DIR={settings.var_dir} wooconnect console --url {api_url}"
    out.line(f"  console   {console}")
    out.line(f"  API docs  {api_url}/schema  (OpenAPI: {api_url}/schema/openapi.json)")
    out.line(f"  token     {settings.var_dir / 'admin.token'}")
    out.line(f"  triggers  {api_url}/api/v1/locations/{demo.location_id}/triggers")
    out.line()

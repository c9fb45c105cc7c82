"""The simulator's seeded data and the `simulate-store` command."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.waiting import eventually
from wooconnect.adapters.cli import simulate
from wooconnect.adapters.woocommerce.simulator import SimulatedStore, derived_keys, seed_store
from wooconnect.adapters.woocommerce.simulator.payloads import wp_json_encode

REPO_ROOT = Path(__file__).resolve().parents[2]


def _snapshot(seed: int) -> bytes:
    store = SimulatedStore(seed=seed)
    seed_store(store, customers=40, orders=150, seed=seed)
    shapes = store.shapes
    return wp_json_encode(
        {
            "customers": [shapes.customer(c) for c in store.customers.values()],
            "orders": [shapes.order(o, store.order_refunds(o)) for o in store.orders.values()],
        }
    )


def test_the_same_seed_gives_the_same_store_and_another_seed_does_not() -> None:
    assert _snapshot(3) == _snapshot(3)
    assert _snapshot(3) != _snapshot(4)
    assert derived_keys(3) == derived_keys(3) != derived_keys(4)


def test_the_seed_covers_every_case_the_service_must_handle() -> None:
    store = SimulatedStore(seed=1)
    seed_store(store, customers=20, orders=40, seed=1)
    roles = {c.role for c in store.customers.values()}
    assert {"customer", "subscriber", "administrator", "shop_manager"} <= roles
    statuses = {o.status for o in store.orders.values()}
    assert {
        "pending",
        "processing",
        "on-hold",
        "completed",
        "cancelled",
        "refunded",
        "failed",
        "shipped",
        "checkout-draft",
        "trash",
    } <= statuses
    guests = [o for o in store.orders.values() if o.customer_id == 0]
    emails = [o.billing["email"] for o in guests]
    assert len(emails) != len(set(emails)), "no repeat guest"
    registered = {c.email for c in store.customers.values()}
    assert registered & set(emails), "no registered customer checking out as a guest"
    amounts = {(r.order_id, r.amount) for r in store.refunds.values()}
    full = [oid for oid, amount in amounts if store.orders[oid].total == amount]
    partial = [oid for oid, amount in amounts if store.orders[oid].total > amount]
    assert full
    assert partial
    names = " ".join(f"{c.first_name} {c.last_name}" for c in store.customers.values())
    assert any(ord(ch) > 127 for ch in names)


def test_the_command_parses_its_switches() -> None:
    parser = argparse.ArgumentParser()
    simulate.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "simulate-store",
            "--port",
            "0",
            "--customers",
            "5",
            "--orders",
            "9",
            "--seed",
            "2",
            "--latency-ms",
            "15",
            "--rate-limit-rate",
            "0.1",
            "--no-refunds-route",
        ]
    )
    store = simulate.build_store(args, "http://127.0.0.1:1")
    assert args.handler is simulate.handler
    assert (len(store.customers), len(store.orders) >= 9) == (5, True)
    assert store.faults.rate_limit_rate == 0.1
    assert store.faults.no_refunds_route
    assert next(iter(store.api_keys)) == derived_keys(2)[0]


def test_simulate_store_serves_and_prints_the_store_url_and_keys() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / ".ci" / "pythonpath")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wooconnect.adapters.cli.simulate",
            "simulate-store",
            "--port",
            str(port),
            "--customers",
            "4",
            "--orders",
            "12",
            "--seed",
            "5",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(6)]
        assert banner[0].strip() == f"store URL:       http://127.0.0.1:{port}"
        assert derived_keys(5)[0] in banner[1]

        def serving() -> dict[str, Any] | None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/__sim__/state")
            except httpx.TransportError:
                return None
            found: dict[str, Any] = answer.json()
            return found

        state = eventually(serving, what="simulate-store serves")
        assert state["customers"] == 4
        assert state["orders"] == 12
        assert json.loads(banner[4].split(":", 1)[1])["statuses"]
    finally:
        process.terminate()
        process.wait(timeout=10)

"""Snapshots of the main screens at 120x36 (pytest-textual-snapshot; `--snapshot-update` to
accept a deliberate change). The fake's data is fixed and polling is slowed so nothing moves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from tests.tui.conftest import SIZE
from tests.tui.fake_api import FakeApi
from tests.tui.fake_rules import RULE_ERRORS
from wooconnect.tui.app import ConsoleApp
from wooconnect.tui.screens.connection import ConnectionScreen
from wooconnect.tui.screens.decisions import DecisionsScreen
from wooconnect.tui.screens.rules import RulesScreen
from wooconnect.tui.screens.tenants import TenantsScreen

SnapCompare = Callable[..., bool]


def still_console(make_console: Callable[..., ConsoleApp]) -> ConsoleApp:
    return make_console(poll_interval=3600)


async def settle(pilot: Pilot[Any], ready: Callable[[], bool]) -> None:
    for _ in range(200):
        if ready():
            break
        await pilot.pause(0.02)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def loaded(app: ConsoleApp, kind: type[Any]) -> bool:
    return isinstance(app.screen, kind) and app.screen.loads > 0


def test_tenants(snap_compare: SnapCompare, make_console: Callable[..., ConsoleApp]) -> None:
    app = still_console(make_console)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press("down", "down", "down")  # onto Northwind Outlet (needs reconnect)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_connection(snap_compare: SnapCompare, make_console: Callable[..., ConsoleApp]) -> None:
    app = still_console(make_console)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press(*"pine outdoor", "enter", "down", "enter")
        await settle(pilot, lambda: loaded(app, ConnectionScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_decision_trace(snap_compare: SnapCompare, make_console: Callable[..., ConsoleApp]) -> None:
    app = still_console(make_console)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press(*"pine outdoor", "enter", "down", "enter")
        await settle(pilot, lambda: loaded(app, ConnectionScreen))
        await pilot.press("l")
        await settle(
            pilot,
            lambda: isinstance(app.screen, DecisionsScreen) and bool(app.screen.decisions),
        )

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_rules_with_reload_errors(
    snap_compare: SnapCompare, make_console: Callable[..., ConsoleApp], fake: FakeApi
) -> None:
    fake.set_rule_errors(RULE_ERRORS)
    app = still_console(make_console)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press("f3")
        await settle(pilot, lambda: loaded(app, RulesScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)

"""Snapshots of every screen at a support engineer's 80x24 and at 200x50
(pytest-textual-snapshot; `--snapshot-update` to accept a deliberate change).

The fake's data and times are fixed and polling is slowed so nothing moves. Beside the picture,
each test reads the screen as text and checks that every panel on it shows content (a table
its header and rows, not only its frame), that the footer's keys are not cut, and what the
test is about (ids whole, store order numbers): a layout that squeezes a panel to its border
fails here even when someone accepts its snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Tree
from textual.widgets._footer import FooterKey

from tests.tui.fake_api import FakeApi
from tests.tui.fake_data import CONN_OUTLET, LOC_OUTLET
from tests.tui.fake_rules import RULE_ERRORS
from wooconnect.tui.app import ConsoleApp
from wooconnect.tui.screens.connection import ConnectionScreen
from wooconnect.tui.screens.decisions import DecisionsScreen
from wooconnect.tui.screens.explain import ExplainScreen
from wooconnect.tui.screens.help import HelpScreen
from wooconnect.tui.screens.location import LocationScreen
from wooconnect.tui.screens.rules import RulesScreen
from wooconnect.tui.screens.tenants import TenantsScreen
from wooconnect.tui.widgets.trace_view import TraceView

SnapCompare = Callable[..., bool]
MakeConsole = Callable[..., ConsoleApp]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 50), id="200x50")]


def still_console(make_console: MakeConsole) -> ConsoleApp:
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


async def open_pine(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, ConsoleApp)
    await settle(pilot, lambda: loaded(app, TenantsScreen))
    await pilot.press(*"pine outdoor", "enter", "down", "enter")
    await settle(pilot, lambda: loaded(app, ConnectionScreen))


# Reading the screen


class Seen:
    """The screen as text, taken in `run_before`, and what was wrong with it."""

    def __init__(self) -> None:
        self.text = ""
        self.problems: list[str] = []
        self.focused: Widget | None = None

    def take(self, app: App[Any]) -> None:
        # The compositor's lines are what the snapshot draws; Textual is pinned exactly, so
        # reaching for them does not move under the tests.
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        self.text = "\n".join(lines)
        self.focused = app.screen.focused
        self.problems = [*_empty_panels(app, lines), *_cut_footer(app)]


def _crop(lines: list[str], region: Region) -> list[str]:
    return [line[region.x : region.right] for line in lines[region.y : region.bottom]]


def _name(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__


def _panels(app: App[Any]) -> list[Widget]:
    """The bordered areas and tables that are shown now (a tab's hidden pane is not)."""
    found: list[Widget] = []
    for widget in app.screen.query(".panel, DataTable, TraceView, Tree"):
        if widget.display and all(ancestor.display for ancestor in widget.ancestors):
            found.append(widget)
    return found


def _empty_panels(app: App[Any], lines: list[str]) -> list[str]:
    problems = []
    for widget in _panels(app):
        shown = _crop(lines, widget.content_region)
        filled = [line for line in shown if line.strip()]
        if not filled:
            problems.append(f"{_name(widget)} shows nothing inside its border")
        elif isinstance(widget, DataTable) and (widget.row_count == 0 or len(filled) < 2):
            problems.append(f"{_name(widget)} shows no rows ({len(filled)} lines shown)")
    return problems


def _cut_footer(app: App[Any]) -> list[str]:
    footers = app.screen.query(Footer)
    if not footers:
        return []
    keys = list(footers.first().query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else app.size.width
    return [
        f"the footer cuts {key.description!r}"
        for key in keys
        if key not in palette and key.region.right > limit
    ]


def shot(
    snap_compare: SnapCompare,
    app: ConsoleApp,
    size: tuple[int, int],
    prepare: Callable[[Pilot[Any]], Any],
) -> Seen:
    """Take the snapshot after `prepare`; return the screen as it was read just before."""
    seen = Seen()

    async def run_before(pilot: Pilot[Any]) -> None:
        await prepare(pilot)
        await pilot.pause()
        seen.take(pilot.app)

    matches = snap_compare(app, terminal_size=size, run_before=run_before)
    assert seen.text, "the screen was never read"
    assert seen.problems == [], "\n" + seen.text
    assert matches
    return seen


# The screens


@pytest.mark.parametrize("size", SIZES)
def test_tenants(snap_compare: SnapCompare, make_console: MakeConsole, size: Any) -> None:
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press("down", "down", "down")  # onto Northwind Outlet (needs reconnect)

    seen = shot(snap_compare, app, size, prepare)
    assert LOC_OUTLET in seen.text
    assert CONN_OUTLET in seen.text
    assert "The store answered 401" in seen.text
    assert isinstance(seen.focused, Tree)


@pytest.mark.parametrize("size", SIZES)
def test_connection(snap_compare: SnapCompare, make_console: MakeConsole, size: Any) -> None:
    app = still_console(make_console)
    seen = shot(snap_compare, app, size, open_pine)
    assert "#81" in seen.text
    assert "Trigger: payment received" in seen.text


@pytest.mark.parametrize("size", SIZES)
def test_connection_trigger_events(
    snap_compare: SnapCompare, make_console: MakeConsole, size: Any
) -> None:
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await open_pine(pilot)
        await pilot.press("t")

    seen = shot(snap_compare, app, size, prepare)
    assert "payment received  #81" in seen.text
    assert "…" not in seen.text.split("Trigger events")[-1]


@pytest.mark.parametrize("size", SIZES)
def test_location_keys_and_subscribers(
    snap_compare: SnapCompare, make_console: MakeConsole, size: Any
) -> None:
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await open_pine(pilot)
        await pilot.press("k")
        await settle(pilot, lambda: loaded(app, LocationScreen))

    seen = shot(snap_compare, app, size, prepare)
    assert "wck_Fj8mQ2…" in seen.text
    assert "https://hooks.zapier.example/catch/81/pine-orders" in seen.text


@pytest.mark.parametrize("size", SIZES)
def test_decision_trace(snap_compare: SnapCompare, make_console: MakeConsole, size: Any) -> None:
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await open_pine(pilot)
        await pilot.press("l")
        await settle(
            pilot,
            lambda: isinstance(app.screen, DecisionsScreen) and bool(app.screen.decisions),
        )

    seen = shot(snap_compare, app, size, prepare)
    assert "role_not_imported  ◀ matched" in seen.text


@pytest.mark.parametrize("size", SIZES)
def test_rules_with_reload_errors(
    snap_compare: SnapCompare, make_console: MakeConsole, fake: FakeApi, size: Any
) -> None:
    fake.set_rule_errors(RULE_ERRORS)
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press("f3")
        await settle(pilot, lambda: loaded(app, RulesScreen))

    seen = shot(snap_compare, app, size, prepare)
    assert "rules/order_status.yaml:14:9" in seen.text


@pytest.mark.parametrize("size", SIZES)
def test_explain(snap_compare: SnapCompare, make_console: MakeConsole, size: Any) -> None:
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await settle(pilot, lambda: loaded(app, TenantsScreen))
        await pilot.press("f3")
        await settle(pilot, lambda: loaded(app, RulesScreen))
        await pilot.press("down", "e")
        await settle(
            pilot, lambda: isinstance(app.screen, ExplainScreen) and bool(app.screen.rule_sets)
        )
        await pilot.press("f5")
        await settle(pilot, lambda: "Decision" in str(app.screen.query_one(TraceView).border_title))

    seen = shot(snap_compare, app, size, prepare)
    assert "Decision import" in seen.text


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: SnapCompare, make_console: MakeConsole, size: Any) -> None:
    app = still_console(make_console)

    async def prepare(pilot: Pilot[Any]) -> None:
        await open_pine(pilot)
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))

    seen = shot(snap_compare, app, size, prepare)
    assert "Keys on Connection" in seen.text
    assert "Location" in seen.text

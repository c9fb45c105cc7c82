"""The console's main paths, driven headless with Textual's pilot against the fake API."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from rich.console import Console
from rich.text import Text
from textual.color import Color
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, ProgressBar, Static, TabbedContent, Tree

from tests.support.waiting import PATIENCE_S
from tests.tui import fake_data
from tests.tui.conftest import SIZE
from tests.tui.fake_api import FakeApi
from tests.tui.fake_data import CONN_OUTLET, CONN_PINE, LOC_EVENTS, LOC_PINE
from wooconnect.tui.app import ConsoleApp
from wooconnect.tui.screens.confirm import ConfirmScreen
from wooconnect.tui.screens.connection import ConnectionScreen
from wooconnect.tui.screens.decisions import DecisionsScreen
from wooconnect.tui.screens.explain import ExplainScreen
from wooconnect.tui.screens.help import HelpScreen
from wooconnect.tui.screens.location import LocationScreen
from wooconnect.tui.screens.order_triggers import OrderTriggersScreen
from wooconnect.tui.screens.rules import RulesScreen
from wooconnect.tui.screens.tenants import LocationEntry, TenantsScreen
from wooconnect.tui.widgets.error_panel import ErrorPanel
from wooconnect.tui.widgets.import_job import ImportJobView
from wooconnect.tui.widgets.sync_toggles import SyncToggles
from wooconnect.tui.widgets.trace_view import TraceView

MakeConsole = Callable[..., ConsoleApp]


async def wait_for(
    pilot: Pilot[None], condition: Callable[[], bool], seconds: float = PATIENCE_S
) -> None:
    """Let the app run until `condition` holds (polls and workers are asynchronous). `seconds`
    only bounds a failing test: a passing one goes on as soon as the condition holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the console never reached the expected state")
        await pilot.pause(0.02)


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (Rich renderables rendered wide, without styles)."""
    content = widget.content
    if isinstance(content, str):
        return content
    if isinstance(content, Text):
        return content.plain
    console = Console(width=200, file=io.StringIO(), color_system=None)
    with console.capture() as capture:
        console.print(content)
    return capture.get()


def trace_text(app: ConsoleApp) -> str:
    return text_of(app.screen.query_one(TraceView).query_one(Static))


async def open_pine(pilot: Pilot[None]) -> ConnectionScreen:
    """Find Pine Outdoor Gear by typing, then open its connection from the keyboard."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
    await pilot.press(*"pine outdoor", "enter")
    await pilot.press("down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConnectionScreen))
    screen = app.screen
    assert isinstance(screen, ConnectionScreen)
    await wait_for(pilot, lambda: screen.connection is not None)
    return screen


async def test_browse_from_an_agency_to_its_store_connection(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        assert screen.connection_id == CONN_PINE
        summary = text_of(screen.query_one("#summary", Static))
        assert "https://pineoutdoor.example" in summary
        assert "active" in summary
        await pilot.press("escape")
        assert isinstance(app.screen, TenantsScreen)


async def test_typing_in_the_tree_filters_tenants_by_store_domain(
    make_console: MakeConsole,
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
        await pilot.press(*"fjordceramics")
        tree = app.screen.query_one(Tree)
        assert app.screen.query_one("#filter", Input).value == "fjordceramics"
        labels = [str(node.label) for node in tree.root.children]
        assert labels == ["Fjord & Pine Marketing  2 locations"]
        locations = [str(node.label) for node in tree.root.children[0].children]
        assert locations == ["Fjord Ceramics"]
        await pilot.press("escape")
        assert len(tree.root.children) == 3


async def test_a_sync_item_changes_only_after_confirmation(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        toggles = screen.query_one(SyncToggles)
        assert toggles.has_focus
        await pilot.press("down", "down", "enter")  # transactions, currently off
        assert isinstance(app.screen, ConfirmScreen)
        assert "pineoutdoor.example" in app.screen.question
        await pilot.press("n")
        assert fake.sent("PATCH", "/sync") == []

        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.sent("PATCH", "/sync") == [{"transactions": True}])
        await wait_for(
            pilot, lambda: toggles.settings is not None and toggles.settings.transactions
        )
        assert fake.connections[CONN_PINE]["sync"]["transactions"] is True


async def test_rerunning_an_import_shows_its_progress_moving(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    fake.step = 60  # several polls per import, so the rate and ETA show while it runs
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        await pilot.press("i")
        assert isinstance(app.screen, ConfirmScreen)
        assert "contacts, orders, transactions" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.sent("POST", "/imports") == [None])

        view = screen.query_one("#import-contacts", ImportJobView)
        bar = view.query_one(ProgressBar)
        await wait_for(pilot, lambda: view.job is not None and view.job.status == "running")
        first = bar.progress
        await wait_for(pilot, lambda: bar.progress > first)
        assert bar.total == 812
        counts = view.query_one(".counts", Static)
        await wait_for(pilot, lambda: "/s · ETA " in text_of(counts))
        await wait_for(pilot, lambda: view.job is not None and view.job.status == "completed")
        assert bar.percentage == 1


async def test_the_decisions_log_shows_a_readable_rule_trace(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionsScreen))
        screen = app.screen
        assert isinstance(screen, DecisionsScreen)
        await wait_for(pilot, lambda: bool(screen.decisions))
        trace = trace_text(app)
        assert "Rule set customer_eligibility   version 27e11da3f54d" in trace
        assert "role_not_imported  ◀ matched" in trace
        assert 'customer.role in ["customer", "subscriber"]   actual "shop_manager"' in trace
        assert screen.decisions[0].rule_set_version == "27e11da3f54d"

        await pilot.press("down")
        assert "known_statuses  ◀ matched" in trace_text(app)
        assert 'actual "refunded"' in trace_text(app)

        await pilot.press("s")
        await wait_for(pilot, lambda: all(d.outcome == "skipped" for d in screen.decisions))
        assert len(screen.decisions) == 2


async def test_the_console_says_why_an_order_fired_no_trigger(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionsScreen))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderTriggersScreen))
        why = app.screen.query_one("#why", Static)

        await pilot.press(*f"#{fake_data.QUIET_ORDER}", "enter")

        await wait_for(pilot, lambda: "Order submitted" in text_of(why))
        lines = text_of(why).splitlines()
        assert lines == [
            "Status mapped to pending",
            "Order submitted: not fired: the trigger is switched off (rule trigger_switched_off)",
            "Payment received: not fired: the rules do not fire it (rule not_paid)",
        ]

        app.screen.query_one(Input).value = "12"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "No live-sync decision about order #12" in text_of(why))


async def test_a_recorded_decision_can_be_explained_again(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionsScreen))
        await wait_for(pilot, lambda: bool(app.screen.decisions))  # type: ignore[attr-defined]
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen))
        await wait_for(pilot, lambda: bool(app.screen.rule_sets))  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("f5")
        await wait_for(pilot, lambda: "Decision skip" in trace_text(app))
        assert "(outcome: skipped)" in trace_text(app)


async def test_explain_opens_again_from_the_rules_above_an_open_explanation(
    make_console: MakeConsole,
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionsScreen))
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen))
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, RulesScreen))
        rules = app.screen
        assert isinstance(rules, RulesScreen)
        await wait_for(pilot, lambda: rules.state is not None)
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen))
        assert sum(isinstance(s, ExplainScreen) for s in app.screen_stack) == 2
        assert app.is_running


async def test_rules_show_the_version_and_reload_errors_with_their_location(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    fake.set_rule_errors(["rules/order_status.yaml:31:5: rule 'known_statuses' repeats an id"])
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, RulesScreen))
        screen = app.screen
        assert isinstance(screen, RulesScreen)
        await wait_for(pilot, lambda: screen.state is not None)
        summary = text_of(screen.query_one("#rules-summary", Static))
        assert "5c1e0a9b3f27" in summary
        assert "failed with 1 error" in summary
        errors = text_of(screen.query_one("#rule-errors-body", Static))
        assert "rules/order_status.yaml:31:5  rule 'known_statuses' repeats an id" in errors

        fake.set_rule_errors([])
        await wait_for(
            pilot, lambda: "valid" in text_of(screen.query_one("#rules-summary", Static))
        )


async def test_a_wrong_token_is_shown_and_the_console_keeps_running(
    make_console: MakeConsole,
) -> None:
    app = make_console(token="not-the-token")
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(ErrorPanel)
        await wait_for(pilot, lambda: panel.error is not None)
        assert panel.error is not None
        assert panel.error.status == 401
        assert "Not authorised (401)" in text_of(panel)
        assert "check the admin token" in text_of(panel)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, RulesScreen))
        assert app.is_running


async def test_an_unreachable_service_is_shown_then_recovers(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    fake.reachable = False
    # No timer: loads happen only as the screen opens and on F5, so the test waits for them.
    app = make_console(poll_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen))
        screen = app.screen
        assert isinstance(screen, TenantsScreen)
        await wait_for(pilot, lambda: screen.loads > 0 and not screen.load_running)
        panel = screen.query_one(ErrorPanel)
        assert panel.error is not None
        assert "Service unreachable" in text_of(panel)
        assert not screen.loaded

        fake.reachable = True
        loads = screen.loads
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.loads > loads and not screen.load_running)
        assert panel.error is None
        assert len(screen.query_one(Tree).root.children) == 3


async def test_a_connection_deleted_elsewhere_shows_not_found(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        fake.forget_connection(CONN_PINE)
        panel = screen.query_one(ErrorPanel)
        await wait_for(pilot, lambda: panel.error is not None)
        assert "Not found (404)" in text_of(panel)
        assert app.is_running


async def test_a_refused_action_is_a_notification_not_a_crash(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
        app.push_screen(ConnectionScreen(app.context, CONN_OUTLET))
        await wait_for(pilot, lambda: getattr(app.screen, "connection", None) is not None)
        assert "the API key was revoked" in text_of(app.screen.query_one("#summary", Static))
        await pilot.press("i", "y")
        await wait_for(pilot, lambda: bool(app._notifications))
        notification = next(iter(app._notifications))
        assert notification.severity == "error"
        assert "a connection that is needs_reconnect cannot import" in notification.message
        assert app.is_running


async def test_disconnecting_names_the_store_and_returns_to_the_tenants(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        assert "https://pineoutdoor.example" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen))
        assert fake.sent("DELETE", f"/connections/{CONN_PINE}") == [None]
        tenants = app.screen
        assert isinstance(tenants, TenantsScreen)
        await wait_for(
            pilot,
            lambda: any(
                loc.location.id == LOC_PINE and loc.connection is None
                for entry in tenants.entries
                for loc in entry.locations
            ),
        )
        # The cursor stays on the location whose store was just disconnected.
        tree = tenants.query_one(Tree)
        await wait_for(
            pilot,
            lambda: (
                isinstance(tree.cursor_node.data if tree.cursor_node else None, LocationEntry)
                and tree.cursor_node is not None
                and tree.cursor_node.data.location.id == LOC_PINE  # type: ignore[union-attr]
            ),
        )


async def test_closing_a_screen_while_it_loads_is_harmless(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        fake.slow["/deliveries"] = 0.5
        await pilot.press("x", "y")  # the page reloads as the modal closes, and is then closed
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen))
        await pilot.pause(0.8)
        assert app.is_running
        assert app.return_code is None


async def test_help_lists_the_keys_of_the_current_screen(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await open_pine(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys["i"] == "Re-import"
        assert keys["x"] == "Disconnect"
        await pilot.press("escape")
        assert isinstance(app.screen, ConnectionScreen)


async def test_the_command_palette_offers_the_screen_actions(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        titles = [command.title for command in app.get_system_commands(screen)]
        assert {"Tenants", "Rules", "Explain", "Re-import", "Disconnect", "Refresh"} <= set(titles)
        assert "Decisions" in titles


async def test_trigger_events_and_deliveries_name_orders_by_the_stores_number(
    make_console: MakeConsole,
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        deliveries = screen.query_one("#deliveries", DataTable)
        await wait_for(pilot, lambda: deliveries.row_count > 0)
        assert str(deliveries.get_row_at(1)[2]) == "#81"
        assert str(deliveries.get_row_at(3)[2]) == "customer 2291"

        await pilot.press("t")
        assert screen.query_one(TabbedContent).active == "triggers-tab"
        triggers = screen.query_one("#triggers", DataTable)
        await wait_for(pilot, lambda: triggers.row_count > 0)
        orders = [str(triggers.get_row_at(row)[2]) for row in range(triggers.row_count)]
        assert orders == ["#81", "#81", "#80", "#79", "#78"]


async def test_the_panel_holding_the_focus_stands_out(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_pine(pilot)
        sync = screen.query_one("#sync-panel")
        summary = screen.query_one("#summary-panel")

        def border(widget: Widget) -> Color:
            return widget.styles.border_top[1]

        assert screen.query_one(SyncToggles).has_focus
        focused_look = Color.parse(app.theme_variables["accent"])
        assert border(sync) == focused_look
        assert border(summary) != focused_look

        screen.query_one("#summary-panel").focus()
        await pilot.pause()
        assert border(summary) == focused_look
        assert border(sync) != focused_look


async def test_a_switch_pressed_before_the_settings_arrive_says_so(
    make_console: MakeConsole, fake: FakeApi
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
        fake.slow[f"/connections/{CONN_PINE}"] = 1.0
        app.push_screen(ConnectionScreen(app.context, CONN_PINE))
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectionScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert "still loading" in next(iter(app._notifications)).message
        assert not isinstance(app.screen, ConfirmScreen)


async def test_a_locations_keys_and_subscribers_open_from_the_tenants_and_its_connection(
    make_console: MakeConsole,
) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
        await pilot.press(*"pine outdoor", "enter", "down", "f4")
        await wait_for(pilot, lambda: isinstance(app.screen, LocationScreen))
        screen = app.screen
        assert isinstance(screen, LocationScreen)
        await wait_for(pilot, lambda: screen.keys is not None)
        assert screen.location_id == LOC_PINE
        assert screen.subscriptions is not None
        assert screen.subscriptions[0].url.startswith("https://hooks.zapier.example/")
        assert "Fjord & Pine Marketing" in str(screen.query_one("#keys-panel").border_title)
        assert screen.query_one("#keys", DataTable).row_count == 2
        detail = text_of(screen.query_one("#subscription-detail", Static))
        assert "· 200" in detail
        await pilot.press("down")
        assert "502: the subscriber answered 502 Bad Gateway" in text_of(
            screen.query_one("#subscription-detail", Static)
        )

        await pilot.press("escape", "down", "enter")  # the connection of Pine Outdoor Gear
        await wait_for(pilot, lambda: isinstance(app.screen, ConnectionScreen))
        await wait_for(pilot, lambda: app.screen.connection is not None)  # type: ignore[attr-defined]
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, LocationScreen))
        assert app.screen.location_id == LOC_PINE  # type: ignore[attr-defined]


async def test_a_location_without_subscribers_says_so(make_console: MakeConsole) -> None:
    app = make_console()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TenantsScreen) and app.screen.loaded)
        app.push_screen(LocationScreen(app.context, LOC_EVENTS))
        screen = app.screen
        assert isinstance(screen, LocationScreen)
        await wait_for(pilot, lambda: screen.keys is not None)
        assert "No workflow subscribes" in text_of(screen.query_one("#subscription-detail", Static))
        assert screen.query_one("#keys", DataTable).row_count == 1

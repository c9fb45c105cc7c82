"""A connection's page: status, settings, import progress, webhooks, deliveries and triggers.

The recent deliveries and the trigger events share the bottom of the page as two tabs (`d` and
`t` switch): at 80x24, two tables side by side or one above the other get only their frames."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Label, Static, TabbedContent, TabPane

from wooconnect.tui import formatting
from wooconnect.tui.api import ApiError
from wooconnect.tui.context import Context
from wooconnect.tui.models import Connection, Delivery, TriggerEvent
from wooconnect.tui.progress import RateTracker
from wooconnect.tui.screens.confirm import ConfirmScreen
from wooconnect.tui.screens.decisions import DecisionsScreen
from wooconnect.tui.screens.location import LocationScreen
from wooconnect.tui.screens.polling import PollingScreen, fetch, still_open
from wooconnect.tui.screens.store_concurrency import (
    StoreConcurrencyChoice,
    StoreConcurrencyScreen,
)
from wooconnect.tui.tables import refill, row_item
from wooconnect.tui.widgets.error_panel import ErrorPanel
from wooconnect.tui.widgets.import_job import ImportJobView
from wooconnect.tui.widgets.sync_toggles import SyncToggles

T = TypeVar("T")

_ENTITIES = ("contacts", "orders", "transactions")


class ConnectionScreen(PollingScreen):
    """Everything support needs about one store connection, refreshed while shown."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("i", "rerun_import", "Re-import"),
        # Out of the footer, which has no room left at 80 columns; the help names it.
        Binding("c", "store_concurrency", "Store concurrency", show=False),
        Binding("x", "disconnect", "Disconnect"),
        Binding("l", "decisions", "Decisions"),
        Binding("k", "location", "Location"),
        Binding("d", "show_tab('deliveries-tab')", "Deliveries", show=False),
        Binding("t", "show_tab('triggers-tab')", "Triggers", show=False),
    ]

    def __init__(self, context: Context, connection_id: str, *, rates: RateTracker | None = None):
        super().__init__(context)
        self.connection_id = connection_id
        self.connection: Connection | None = None
        self.rates = rates or RateTracker()
        self._deliveries: list[Delivery] | None = None
        self._triggers: list[TriggerEvent] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ErrorPanel(hint="Retrying; press F5 to retry now, Escape to go back.", id="error")
        with Horizontal(id="connection-top"):
            with VerticalScroll(id="summary-panel", classes="panel") as summary:
                summary.border_title = "Store"
                yield Static(Text("Loading…", style="dim"), id="summary")
            with Vertical(id="sync-panel", classes="panel") as sync_panel:
                sync_panel.border_title = "Sync (Enter toggles)"
                yield SyncToggles(id="sync")
        with Vertical(id="imports", classes="panel") as imports:
            imports.border_title = "Imports"
            yield Label("No import has run.", id="no-imports")
        with TabbedContent(id="activity"):
            with TabPane("Webhook deliveries", id="deliveries-tab"):
                yield DataTable(id="deliveries", cursor_type="row", zebra_stripes=True)
                yield Static(id="delivery-detail")
            with TabPane("Trigger events", id="triggers-tab"):
                yield DataTable(id="triggers", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Connection"
        deliveries = self.query_one("#deliveries", DataTable)
        # Times are UTC throughout the console; these tables show month, day and minute.
        deliveries.add_columns("received", "topic", "record", "status", "outcome")
        triggers = self.query_one("#triggers", DataTable)
        triggers.add_columns("created", "type", "order", "delivery")
        self.query_one(SyncToggles).focus()
        super().on_mount()

    # Loading

    async def load(self) -> None:
        """Fetch the connection, then its deliveries and the location's triggers."""
        client = self.context.client
        connection = await fetch(self, client.get_connection(self.connection_id))
        if connection is None:
            return
        self._show_connection(connection)
        deliveries, triggers = await asyncio.gather(
            client.list_deliveries(connection.id),
            client.list_triggers(connection.location_id),
            return_exceptions=True,
        )
        if not still_open(self):
            return
        self._show_deliveries(deliveries)
        self._show_triggers(triggers)

    def _show_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.sub_title = f"Connection · {connection.store_domain}"
        self.query_one("#summary", Static).update(_summary(connection))
        self.query_one(SyncToggles).show(connection.sync)
        imports = self.query_one("#imports", Vertical)
        self.query_one("#no-imports", Label).display = not connection.imports
        for job in sorted(connection.imports, key=_entity_order):
            views = imports.query(f"#import-{job.entity}").results(ImportJobView)
            view = next(views, None)
            if view is None:
                view = ImportJobView(job.entity)
                imports.mount(view)
            view.show(job, self.rates.observe(connection.id, job))

    def _show_deliveries(self, result: list[Delivery] | BaseException) -> None:
        shown = self._fill("deliveries", result, self._deliveries, _delivery_row)
        if shown is not None:
            self._deliveries = shown
            self._show_delivery(self.query_one("#deliveries", DataTable).cursor_row)

    def _show_triggers(self, result: list[TriggerEvent] | BaseException) -> None:
        shown = self._fill("triggers", result, self._triggers, _trigger_row)
        if shown is not None:
            self._triggers = shown

    def _fill(
        self,
        name: str,
        result: list[T] | BaseException,
        shown: list[T] | None,
        row: Callable[[T], tuple[str | Text, ...]],
    ) -> list[T] | None:
        """Label the table's tab with how many rows `result` has, or why it has none, and
        redraw the table when they differ from the `shown` ones: then they are returned."""
        table = self.query_one(f"#{name}", DataTable)
        tab = self.query_one(TabbedContent).get_tab(f"{name}-tab")
        title = _TAB_TITLES[name]
        if isinstance(result, BaseException):
            tab.label = f"{title} · {_unavailable(result)}"
            return None
        tab.label = f"{title} · {len(result)}"
        if result == shown:
            return None
        refill(table, map(row, result))
        return result

    def action_show_tab(self, tab: str) -> None:
        """Bring the deliveries or the trigger events to the front."""
        self.query_one(TabbedContent).active = tab

    @on(DataTable.RowHighlighted, "#deliveries")
    def _delivery_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_delivery(event.cursor_row)

    def _show_delivery(self, index: int) -> None:
        """The highlighted delivery's outcome in full, under the table that cuts it short."""
        detail = self.query_one("#delivery-detail", Static)
        delivery = row_item(self._deliveries, index)
        if delivery is None:
            detail.update("")
            return
        text = Text()
        text.append(delivery.topic or delivery.resource or "?")
        text.append(" ")
        text.append_text(_record(delivery))
        if delivery.order_number and delivery.resource_id is not None:
            text.append(f" (store id {delivery.resource_id})", style="dim")
        text.append(" · ")
        text.append_text(_state(delivery.status))
        text.append(": ")
        text.append(
            delivery.outcome or "not processed yet", style="" if delivery.outcome else "dim"
        )
        detail.update(text)

    # Actions

    def _confirm(self, dialog: ConfirmScreen, then: Callable[[], object]) -> None:
        """Ask with `dialog`; call `then` only when the person confirms."""

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                then()

        self.app.push_screen(dialog, answered)

    @on(SyncToggles.ToggleRequested)
    def _toggle_requested(self, event: SyncToggles.ToggleRequested) -> None:
        if self.connection is None:
            return
        state = "ON" if event.enable else "OFF"
        question = (
            f"Turn {event.label.lower()} sync {state} for {self.connection.store_domain}?\n"
            "This changes what is synced from now on; past data is kept."
        )
        self._confirm(
            ConfirmScreen("Change a sync setting", question, f"Turn {state.lower()}"),
            lambda: self._apply_toggle(event.item, event.label, event.enable),
        )

    @work(group="actions")
    async def _apply_toggle(self, item: str, label: str, enable: bool) -> None:
        try:
            connection = await self.context.client.update_sync(self.connection_id, {item: enable})
        except ApiError as exc:
            self.notify(exc.message, title=f"Could not change {label}", severity="error")
            return
        if still_open(self):
            self._show_connection(connection)
        self.notify(f"{label} sync is now {'on' if enable else 'off'}.", title="Sync updated")

    def action_rerun_import(self) -> None:
        """Ask, then start the import of the selected entities again."""
        if self.connection is None:
            return
        selection = [e for e in _ENTITIES if getattr(self.connection.import_, e)]
        what = ", ".join(selection) if selection else "the selected entities"
        question = (
            f"Re-run the import of {what} from {self.connection.store_domain}?\n"
            "Records already imported are updated, never duplicated."
        )
        self._confirm(ConfirmScreen("Re-run import", question, "Re-run"), self._rerun_import)

    @work(group="actions")
    async def _rerun_import(self) -> None:
        try:
            await self.context.client.rerun_import(self.connection_id)
        except ApiError as exc:
            self.notify(exc.message, title="Could not start the import", severity="error")
            return
        self.notify("The import was queued; its progress shows below.", title="Import started")
        if still_open(self):
            self.action_refresh()

    def action_store_concurrency(self) -> None:
        """Ask how many requests the store may get at once, then save it."""
        if self.connection is None:
            return

        def chosen(choice: StoreConcurrencyChoice | None) -> None:
            if choice is not None:
                self._set_store_concurrency(choice.value)

        dialog = StoreConcurrencyScreen(
            self.connection.store_domain, self.connection.own_store_concurrency
        )
        self.app.push_screen(dialog, chosen)

    @work(group="actions")
    async def _set_store_concurrency(self, value: int | None) -> None:
        try:
            connection = await self.context.client.set_store_concurrency(self.connection_id, value)
        except ApiError as exc:
            title = "Could not change the store concurrency"
            self.notify(exc.message, title=title, severity="error")
            return
        if still_open(self):
            self._show_connection(connection)
        now = "the deployment's default" if value is None else f"up to {value} at once"
        self.notify(f"{connection.store_domain} now gets {now}.", title="Store concurrency")

    def action_disconnect(self) -> None:
        """Ask (naming the store), then disconnect it."""
        if self.connection is None:
            return
        question = (
            f"Disconnect {self.connection.store_url}?\n"
            "Its webhooks are removed and sync stops; imported data is kept."
        )
        self._confirm(
            ConfirmScreen("Disconnect the store", question, "Disconnect", danger=True),
            self._disconnect,
        )

    @work(group="actions")
    async def _disconnect(self) -> None:
        domain = self.connection.store_domain if self.connection else self.connection_id
        try:
            await self.context.client.disconnect(self.connection_id)
        except ApiError as exc:
            self.notify(exc.message, title="Could not disconnect", severity="error")
            return
        self.notify(f"{domain} was disconnected.", title="Disconnected")
        if still_open(self):
            self._pop_to_me_then_close()

    def _pop_to_me_then_close(self) -> None:
        # The store is gone: close this page and anything opened from it.
        while self.app.screen is not self and still_open(self):
            self.app.pop_screen()
        self.dismiss()

    def action_location(self) -> None:
        """The location's API keys and workflow subscribers, read-only."""
        if self.connection is None:
            return
        self.app.push_screen(LocationScreen(self.context, self.connection.location_id))

    def action_decisions(self) -> None:
        """Open the decisions log of this connection."""
        domain = self.connection.store_domain if self.connection else self.connection_id
        self.app.push_screen(DecisionsScreen(self.context, self.connection_id, domain))


def _entity_order(job: object) -> int:
    entity = getattr(job, "entity", "")
    return _ENTITIES.index(entity) if entity in _ENTITIES else len(_ENTITIES)


_TAB_TITLES = {"deliveries": "Webhook deliveries", "triggers": "Trigger events"}


def _record(delivery: Delivery) -> Text:
    """What a delivery is about, the way people name it: an order by the number the store shows
    (`#81`), anything else by its store id."""
    if delivery.order_number:
        return Text(formatting.order_number(delivery.order_number), style="bold")
    if delivery.resource_id is None:
        return Text("—", style="dim")
    return Text(f"{delivery.resource or 'id'} {delivery.resource_id}")


def _delivery_row(delivery: Delivery) -> tuple[str | Text, ...]:
    return (
        formatting.timestamp(delivery.received_at, short=True),
        delivery.topic or delivery.resource or "—",
        _record(delivery),
        _state(delivery.status),
        delivery.outcome or Text("not processed yet", style="dim italic"),
    )


def _trigger_row(trigger: TriggerEvent) -> tuple[str | Text, ...]:
    order = (
        Text(formatting.order_number(trigger.order_number), style="bold")
        if trigger.order_number
        # Only the CRM's id is known: its tail, as UUIDv7 heads are shared by neighbours.
        else Text("…" + (trigger.order_id or "—")[-8:], style="dim")
    )
    return (
        formatting.timestamp(trigger.created_at, short=True),
        trigger.type.replace("_", " "),
        order,
        _state(trigger.delivery_state),
    )


def _unavailable(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return f"unavailable: {error.headline}"
    raise error  # anything but an API error is a bug, and must not be hidden


_STATE_STYLES = {
    # deliveries from the store
    "applied": "green",
    "pending": "yellow",
    "ignored": "dim",
    "invalid": "bold red",
    "failed": "bold red",
    # trigger events to workflow subscribers
    "delivered": "green",
    "no_subscribers": "dim",
}


def _state(state: str | None) -> Text:
    """A delivery status or a trigger's delivery state, in a word and a colour."""
    if not state:
        return Text("—", style="dim")
    return Text(state.replace("_", " "), style=_STATE_STYLES.get(state, ""))


def _webhooks(connection: Connection) -> Text:
    """Whether the store's webhooks exist and deliver. Before a store is active it has none,
    and that is expected, not a fault."""
    hooks = connection.webhooks
    health = Text()
    if hooks.registered is False or hooks.registered == 0:
        expected = connection.status != "active"
        health.append("not registered", style="dim" if expected else "bold red")
        return health
    health.append(f"registered {formatting.flag(hooks.registered)}")
    health.append(" · healthy ")
    if hooks.healthy is None:
        health.append("unknown", style="dim")
    else:
        health.append(*(("yes", "green") if hooks.healthy else ("NO", "bold red")))
    return health


def _store_requests(connection: Connection) -> Text:
    """How many requests the store may get at once (fewer while it struggles)."""
    if connection.store_concurrency is None:
        return Text("the deployment's default", style="dim")
    text = Text(f"up to {connection.store_concurrency} at once")
    if connection.own_store_concurrency is None:
        text.append(" (the default)", style="dim")
    return text


def _summary(connection: Connection) -> Table:
    """The connection in the order support reads it: what and how it is first, ids last (the
    panel scrolls when the terminal is short)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    table.add_row("store", Text(connection.store_url, style="bold", overflow="fold"))
    table.add_row("status", formatting.status_text(connection.status))
    if connection.status == "needs_reconnect" or connection.last_error:
        reason = connection.last_error or "the store refused our credentials"
        table.add_row("reason", Text(reason, style="bold red"))
    if connection.status == "awaiting_authorization" and connection.authorize_url:
        table.add_row(
            "authorize", Text(connection.authorize_url, no_wrap=True, overflow="ellipsis")
        )
    table.add_row("webhooks", _webhooks(connection))
    table.add_row("last delivery", formatting.timestamp(connection.webhooks.last_delivery_at))
    selection = [e for e in _ENTITIES if getattr(connection.import_, e)]
    table.add_row("import", ", ".join(selection) or Text("nothing selected", style="dim"))
    table.add_row("store requests", _store_requests(connection))
    # Ids are copied whole: they fold onto a second line rather than lose their tail.
    table.add_row("connection", Text(connection.id, overflow="fold"))
    table.add_row("location", Text(connection.location_id, overflow="fold"))
    table.add_row("created", formatting.timestamp(connection.created_at))
    return table

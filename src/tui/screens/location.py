"""A location's access, read-only: the workflow subscribers its trigger events go to (with how
their deliveries went), and the API keys of its agency, which reach it."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from wooconnect.tui import formatting
from wooconnect.tui.api import ApiClient
from wooconnect.tui.context import Context
from wooconnect.tui.models import Agency, ApiKey, Location, TriggerSubscription
from wooconnect.tui.screens.polling import PollingScreen, fetch
from wooconnect.tui.tables import refill, row_item
from wooconnect.tui.widgets.error_panel import ErrorPanel

LocationAccess = tuple[Location, Agency, list[TriggerSubscription], list[ApiKey]]


async def load_access(client: ApiClient, location_id: str) -> LocationAccess:
    """The location, its agency, its subscribers and its agency's keys."""
    location = await client.get_location(location_id)
    agency, subscriptions, keys = await asyncio.gather(
        client.get_agency(location.agency_id),
        client.list_subscriptions(location.id),
        client.list_api_keys(location.agency_id),
    )
    return location, agency, subscriptions, keys


class LocationScreen(PollingScreen):
    """Who receives the location's trigger events and which keys reach it. Nothing here
    changes anything: subscribing and issuing keys are API calls of the agency or the admin."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, context: Context, location_id: str) -> None:
        super().__init__(context)
        self.location_id = location_id
        self.location: Location | None = None
        self.subscriptions: list[TriggerSubscription] | None = None
        self.keys: list[ApiKey] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ErrorPanel(hint="Retrying; press F5 to retry now, Escape to go back.", id="error")
        yield Static(Text("Loading…", style="dim"), id="location-summary")
        with Vertical(id="subscriptions-panel", classes="panel") as subscriptions:
            subscriptions.border_title = "Trigger subscriptions"
            yield DataTable(id="subscriptions", cursor_type="row", zebra_stripes=True)
            yield Static(id="subscription-detail")
        with Vertical(id="keys-panel", classes="panel") as keys:
            keys.border_title = "API keys"
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Location"
        subscriptions = self.query_one("#subscriptions", DataTable)
        subscriptions.add_columns(
            "events", "delivered", "pending", "failed", "last attempt", "answer", "url"
        )
        self.query_one("#keys", DataTable).add_columns("key", "created", "id")
        subscriptions.focus()
        super().on_mount()

    async def load(self) -> None:
        """Fetch the location's subscribers and keys; redraw the tables that changed."""
        loaded = await fetch(self, load_access(self.context.client, self.location_id))
        if loaded is None:
            return
        location, agency, subscriptions, keys = loaded
        self.location = location
        self.sub_title = f"Location · {location.name}"
        self.query_one("#location-summary", Static).update(_summary(location, agency))
        panel = self.query_one("#subscriptions-panel", Vertical)
        panel.border_subtitle = _count(len(subscriptions), "subscriber")
        if subscriptions != self.subscriptions:
            self.subscriptions = subscriptions
            refill(
                self.query_one("#subscriptions", DataTable), map(_subscription_row, subscriptions)
            )
            self._show_subscription(self.query_one("#subscriptions", DataTable).cursor_row)
        keys_panel = self.query_one("#keys-panel", Vertical)
        keys_panel.border_title = f"API keys of {agency.name} (they reach this location)"
        keys_panel.border_subtitle = _count(len(keys), "key")
        if keys != self.keys:
            self.keys = keys
            refill(self.query_one("#keys", DataTable), map(_key_row, keys))

    @on(DataTable.RowHighlighted, "#subscriptions")
    def _subscription_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_subscription(event.cursor_row)

    def _show_subscription(self, index: int) -> None:
        """The highlighted subscriber's URL and last answer in full, under the table."""
        detail = self.query_one("#subscription-detail", Static)
        subscription = row_item(self.subscriptions, index)
        if not self.subscriptions:
            detail.update(
                Text("No workflow subscribes to this location's triggers.", style="italic")
            )
            return
        if subscription is None:
            detail.update("")
            return
        text = Text(subscription.url)
        text.append(" · ")
        text.append_text(_answer(subscription, full=True))
        detail.update(text)


def _count(count: int, noun: str) -> str:
    return f"{count or 'no'} {noun}{'s' if count != 1 else ''}"


def _summary(location: Location, agency: Agency) -> Text:
    text = Text()
    text.append(location.name, style="bold")
    text.append(f"  {location.id}", style="dim")
    text.append("\nagency ", style="dim")
    text.append(agency.name)
    text.append(f"  {agency.id}", style="dim")
    return text


_EVENTS = {"order_submitted": "order submitted", "payment_received": "payment received"}


def _subscription_row(subscription: TriggerSubscription) -> tuple[str | Text, ...]:
    deliveries = subscription.deliveries
    return (
        ", ".join(_EVENTS.get(event, event) for event in subscription.events) or "—",
        Text(str(deliveries.delivered), style="green" if deliveries.delivered else "dim"),
        Text(str(deliveries.pending), style="yellow" if deliveries.pending else "dim"),
        Text(str(deliveries.failed), style="bold red" if deliveries.failed else "dim"),
        formatting.timestamp(deliveries.last_attempt_at, short=True),
        _answer(subscription),
        subscription.url,
    )


def _answer(subscription: TriggerSubscription, *, full: bool = False) -> Text:
    """How the subscriber answered the last attempt: its status code, or why it did not."""
    deliveries = subscription.deliveries
    if deliveries.last_attempt_at is None:
        return Text("not called yet", style="dim italic")
    code = deliveries.last_status_code
    ok = code is not None and 200 <= code < 300 and not deliveries.last_error
    text = Text(str(code) if code is not None else "no answer", style="green" if ok else "red")
    if full and deliveries.last_error:
        text.append(f": {deliveries.last_error}", style="red")
    return text


def _key_row(key: ApiKey) -> tuple[str | Text, ...]:
    return (
        Text(f"{key.prefix}…", style="bold"),
        formatting.timestamp(key.created_at),
        Text(key.id, style="dim"),
    )

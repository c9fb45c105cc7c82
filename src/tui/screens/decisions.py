"""The decisions log of a connection: why each record was skipped or how it was mapped."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from wooconnect.tui import formatting
from wooconnect.tui.context import Context
from wooconnect.tui.models import Decision
from wooconnect.tui.screens.explain import ExplainScreen
from wooconnect.tui.screens.order_triggers import OrderTriggersScreen
from wooconnect.tui.screens.polling import fetch
from wooconnect.tui.tables import row_item
from wooconnect.tui.trace import facts_from_trace, parse_trace
from wooconnect.tui.widgets.error_panel import ErrorPanel
from wooconnect.tui.widgets.trace_view import TraceView

_OUTCOME_STYLES = {
    "skipped": "yellow",
    "imported": "green",
    "mapped": "cyan",
    "refused": "bold red",
    "allowed": "green",
    "fire": "bold magenta",
    "no_fire": "dim",
    "fired": "bold magenta",
    "already_fired": "dim",
    "suppressed": "yellow",
    "not_eligible": "dim",
}


class DecisionsScreen(Screen[None]):
    """A page of decisions on top and the highlighted one's trace below. It is a log, so it
    loads on demand (F5, more with `n`) rather than polling under the reader's cursor."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("s", "toggle_skipped", "Skipped only"),
        Binding("n", "more", "More"),
        Binding("e", "explain", "Explain"),
        Binding("o", "order_triggers", "Why no trigger"),
        Binding("f5", "reload", "Refresh", show=False),
    ]

    def __init__(self, context: Context, connection_id: str, store: str) -> None:
        super().__init__()
        self.context = context
        self.connection_id = connection_id
        self.store = store
        self.skipped_only = False
        self.decisions: list[Decision] = []
        self.next_cursor: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ErrorPanel(hint="Press F5 to try again.", id="error")
        table: DataTable[str | Text] = DataTable(
            id="decision-list", cursor_type="row", zebra_stripes=True, classes="panel"
        )
        table.border_title = "Decisions"
        yield table
        yield TraceView(placeholder="Highlight a decision to see its trace.", id="trace")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Decisions · {self.store}"
        table = self.query_one("#decision-list", DataTable)
        # What became of the record first: at 80 columns the version is what the table cuts.
        table.add_columns("created", "record", "outcome", "decision", "rule set", "version")
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        """Load the first page again."""
        self._load(cursor=None)

    def action_more(self) -> None:
        """Append the next page, if there is one."""
        if self.next_cursor is None:
            self.notify("That was the last page.", timeout=3)
            return
        self._load(cursor=self.next_cursor)

    def action_toggle_skipped(self) -> None:
        """Switch between every decision and the skipped records only."""
        self.skipped_only = not self.skipped_only
        self.action_reload()

    @work(exclusive=True, group="decisions")
    async def _load(self, cursor: str | None) -> None:
        request = self.context.client.list_decisions(
            self.connection_id, outcome="skipped" if self.skipped_only else None, cursor=cursor
        )
        page = await fetch(self, request)
        if page is None:
            return
        table = self.query_one("#decision-list", DataTable)
        if cursor is None:
            self.decisions = []
            table.clear()
        self.decisions.extend(page.items)
        self.next_cursor = page.next_cursor
        for decision in page.items:
            table.add_row(*_row(decision))
        shown = "skipped only" if self.skipped_only else "all outcomes"
        more = " · n for more" if page.next_cursor else ""
        table.border_subtitle = f"{len(self.decisions)} shown · {shown}{more}"
        if cursor is None:
            if self.decisions:
                self._show(0)
            else:
                self.query_one(TraceView).clear()

    @on(DataTable.RowHighlighted, "#decision-list")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def _show(self, index: int) -> None:
        decision = row_item(self.decisions, index)
        if decision is None:
            return
        title = f"{decision.record_type} {decision.record_id} · {decision.rule_set}"
        if decision.rule_set_version:
            title += f" {decision.rule_set_version}"
        self.query_one(TraceView).show(decision.trace, decision.decision, title=title)

    def action_order_triggers(self) -> None:
        """Ask for a store order and say why it fired each trigger, or did not."""
        self.app.push_screen(OrderTriggersScreen(self.context, self.connection_id))

    def action_explain(self) -> None:
        """Open the explain screen with this record's facts, against the rules loaded now."""
        table = self.query_one("#decision-list", DataTable)
        if not 0 <= table.cursor_row < len(self.decisions):
            return
        decision = self.decisions[table.cursor_row]
        trace = parse_trace(decision.trace)
        facts = facts_from_trace(trace) if trace is not None else {}
        self.app.push_screen(ExplainScreen(self.context, decision.rule_set, facts))


def _row(decision: Decision) -> tuple[str | Text, ...]:
    outcome = decision.outcome or ""
    return (
        formatting.timestamp(decision.created_at, short=True),
        f"{decision.record_type} {decision.record_id}",
        Text(outcome.replace("_", " ") or "—", style=_OUTCOME_STYLES.get(outcome, "")),
        formatting.plain(decision.decision, 28),
        decision.rule_set,
        decision.rule_set_version or "—",
    )

"""Rules: the loaded rule sets, their version, and whether the last reload was valid."""

from __future__ import annotations

import re

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from tui import formatting
from tui.api import ApiError
from tui.context import Context
from tui.models import RulesState
from tui.screens.explain import ExplainScreen
from tui.screens.polling import PollingScreen, still_open
from tui.widgets.error_panel import ErrorPanel

# "rules/triggers.yaml:12:5: unknown operator 'eq'" → location and message.
_LOCATED = re.compile(r"^(?P<where>[^\s:]+(?::\d+){1,2}):\s*(?P<message>.*)$")


class RulesScreen(PollingScreen):
    """Shows what the service runs; the rule files reload on change, so this page polls."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("e", "explain", "Explain"),
    ]

    def __init__(self, context: Context) -> None:
        super().__init__(context, id="rules")
        self.state: RulesState | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ErrorPanel(hint="Retrying; press F5 to retry now.", id="error")
        yield Static(Text("Loading…", style="dim"), id="rules-summary", classes="panel")
        table: DataTable[str | Text] = DataTable(
            id="rule-sets", cursor_type="row", zebra_stripes=True
        )
        table.border_title = "Rule sets"
        yield table
        with VerticalScroll(id="rule-errors", classes="panel") as errors:
            errors.border_title = "Validation"
            yield Static(id="rule-errors-body")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Rules"
        table = self.query_one("#rule-sets", DataTable)
        table.add_columns("rule set", "kind", "version", "hit policy", "rules", "file")
        table.focus()
        super().on_mount()

    async def load(self) -> None:
        """Fetch the rule book; redraw only when it changed."""
        try:
            state = await self.context.client.get_rules()
        except ApiError as exc:
            if still_open(self):
                self.query_one(ErrorPanel).show(exc)
            return
        if not still_open(self):
            return
        self.query_one(ErrorPanel).clear()
        if state == self.state:
            return
        self.state = state
        self.query_one("#rules-summary", Static).update(_summary(state))
        table = self.query_one("#rule-sets", DataTable)
        row = table.cursor_row
        table.clear()
        for rule_set in state.rule_sets:
            count = rule_set.rule_count
            table.add_row(
                Text(rule_set.id, style="bold"),
                rule_set.kind or "—",
                rule_set.version or state.version or "—",
                rule_set.hit_policy or "—",
                "—" if count is None else str(count),
                rule_set.file or "—",
            )
        if state.rule_sets:
            table.move_cursor(row=min(row, len(state.rule_sets) - 1))
        self.query_one("#rule-errors-body", Static).update(_errors(state))

    def action_explain(self) -> None:
        """Explain a decision of the highlighted rule set."""
        rule_set = None
        table = self.query_one("#rule-sets", DataTable)
        if self.state is not None and 0 <= table.cursor_row < len(self.state.rule_sets):
            chosen = self.state.rule_sets[table.cursor_row]
            rule_set = chosen.id
            facts = chosen.examples[0].facts if chosen.examples else None
        else:
            facts = None
        self.app.push_screen(ExplainScreen(self.context, rule_set, facts))


def _summary(state: RulesState) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    table.add_row("version", Text(state.version or "—", style="bold"))
    table.add_row("loaded", formatting.timestamp(state.loaded_at))
    if state.errors:
        count = len(state.errors)
        verdict = Text(f"✗ the last reload failed with {count} error", style="bold red")
        verdict.append("s" if count != 1 else "")
        verdict.append(" — the service keeps running the version above", style="red")
    else:
        verdict = Text("✓ valid", style="bold green")
    table.add_row("validation", verdict)
    table.add_row("rule sets", str(len(state.rule_sets)))
    return table


def _errors(state: RulesState) -> Text:
    if not state.errors:
        return Text("No validation errors.", style="green")
    text = Text()
    for index, error in enumerate(state.errors):
        if index:
            text.append("\n")
        match = _LOCATED.match(error)
        if match is None:
            text.append(error)
            continue
        text.append(match["where"], style="bold red")
        text.append("  ")
        text.append(match["message"])
    return text

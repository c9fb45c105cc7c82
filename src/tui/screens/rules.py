"""Rules: the loaded rule sets, their version, and whether the last reload was valid."""

from __future__ import annotations

import re

import msgspec
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from wooconnect.tui import formatting
from wooconnect.tui.api import ApiError
from wooconnect.tui.context import Context
from wooconnect.tui.models import Agency, RuleSet, RulesState
from wooconnect.tui.screens.explain import ExplainScreen
from wooconnect.tui.screens.polling import PollingScreen, fetch
from wooconnect.tui.tables import refill, row_item
from wooconnect.tui.widgets.error_panel import ErrorPanel

# "rules/triggers.yaml:12:5: unknown operator 'eq'" → position and message.
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
        self.agency_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ErrorPanel(hint="Retrying; press F5 to retry now.", id="error")
        yield Static(Text("Loading…", style="dim"), id="rules-summary", classes="panel")
        table: DataTable[str | Text] = DataTable(
            id="rule-sets", cursor_type="row", zebra_stripes=True, classes="panel"
        )
        table.border_title = "Rule sets"
        yield table
        with VerticalScroll(id="rule-set-details", classes="panel") as details:
            details.border_title = "Rule set"
            yield Static(id="rule-set-details-body")
        with VerticalScroll(id="rule-errors", classes="panel") as errors:
            errors.border_title = "Validation"
            yield Static(id="rule-errors-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Rules"
        table = self.query_one("#rule-sets", DataTable)
        # What tells the sets apart first; the rest is in the highlighted set's panel.
        table.add_columns(
            "rule set", "applies to", "version", "rules", "facts", "hit policy", "kind", "file"
        )
        table.focus()
        super().on_mount()

    async def load(self) -> None:
        """Fetch the rule book; redraw only when it changed."""
        loaded = await fetch(self, self._book_and_names())
        if loaded is None:
            return
        state, names = loaded
        unchanged = _book(state) == _book(self.state) and names == self.agency_names
        self.query_one("#rules-summary", Static).update(_summary(state))
        if unchanged:
            self.state = state
            return
        self.state = state
        self.agency_names = names
        table = self.query_one("#rule-sets", DataTable)
        refill(table, (self._row(rule_set, state.version) for rule_set in state.rule_sets))
        self._show_details(table.cursor_row)
        self.query_one("#rule-errors-body", Static).update(_errors(state))

    async def _book_and_names(self) -> tuple[RulesState, dict[str, str]]:
        state = await self.context.client.get_rules()
        return state, await self._agency_names(state)

    async def _agency_names(self, state: RulesState) -> dict[str, str]:
        """Names of the agencies that have rule sets of their own (ids if they cannot be read)."""
        if not any(rule_set.agency_id for rule_set in state.rule_sets):
            return {}
        try:
            agencies: list[Agency] = await self.context.client.list_agencies()
        except ApiError:
            return self.agency_names
        return {agency.id: agency.name for agency in agencies}

    def _row(self, rule_set: RuleSet, book_version: str | None) -> tuple[str | Text, ...]:
        count = rule_set.rule_count
        return (
            Text(rule_set.id, style="bold"),
            self._applies_to(rule_set),
            rule_set.version or book_version or "—",
            "—" if count is None else str(count),
            str(len(rule_set.facts)) if rule_set.facts else "—",
            rule_set.hit_policy or "—",
            rule_set.kind or "—",
            _short_path(rule_set.file),
        )

    def _applies_to(self, rule_set: RuleSet) -> Text:
        if rule_set.agency_id is None:
            return Text("every agency", style="dim")
        name = self.agency_names.get(rule_set.agency_id, "…" + rule_set.agency_id[-8:])
        return Text(name, style="bold cyan")

    @on(DataTable.RowHighlighted, "#rule-sets")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(event.cursor_row)

    def _show_details(self, index: int) -> None:
        panel = self.query_one("#rule-set-details", VerticalScroll)
        body = self.query_one("#rule-set-details-body", Static)
        rule_set = row_item(self._rule_sets, index)
        if rule_set is None:
            panel.border_title = "Rule set"
            panel.border_subtitle = ""
            body.update(Text("No rule set is loaded.", style="dim italic"))
            return
        panel.border_title = f"{rule_set.id} · {self._applies_to(rule_set).plain}"
        panel.border_subtitle = " · ".join(
            part for part in (rule_set.kind, _short_path(rule_set.file)) if part
        )
        body.update(_details(rule_set))

    def action_explain(self) -> None:
        """Explain a decision of the highlighted rule set."""
        chosen = row_item(self._rule_sets, self.query_one("#rule-sets", DataTable).cursor_row)
        rule_set = None if chosen is None else chosen.key
        facts = chosen.examples[0].facts if chosen is not None and chosen.examples else None
        self.app.push_screen(ExplainScreen(self.context, rule_set, facts))

    @property
    def _rule_sets(self) -> list[RuleSet] | None:
        return None if self.state is None else self.state.rule_sets


def _short_path(path: str) -> str:
    """A rule file relative to the rules directory (`order_status.yaml`,
    `agencies/<id>/order_status.yaml`), however the service was told where that directory is."""
    if not path:
        return "—"
    _, found, tail = ("/" + path).rpartition("/rules/")
    return tail if found else path


def _book(state: RulesState | None) -> RulesState | None:
    """The state without the time of the last check, which moves on every reload check."""
    return None if state is None else msgspec.structs.replace(state, checked_at=None)


def _details(rule_set: RuleSet) -> Group:
    """What a rule set is for, the facts it reads and its rules, in reading order."""
    about = Text(rule_set.description or "No description.", style="italic")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(style="cyan", no_wrap=True)
    facts.add_column(style="dim")
    for fact in rule_set.facts:
        kind = fact.type + (" or null" if fact.nullable else "")
        facts.add_row(fact.name, kind, fact.description or "")
    rules = Text("rules  ", style="dim")
    ids = [str(rule.get("id", "?")) for rule in rule_set.rules or [] if isinstance(rule, dict)]
    # Under `first` the order is the order of evaluation; other policies weigh every rule.
    joiner = " → " if rule_set.hit_policy == "first" else ", "
    rules.append(joiner.join(ids) if ids else "—")
    if rule_set.hit_policy:
        rules.append(f"   ({rule_set.hit_policy} hit)", style="dim")
    parts: list[Text | Table] = [about, rules]
    if rule_set.facts:
        parts.append(facts)
    return Group(*parts)


def _summary(state: RulesState) -> Text:
    """The book in force in two lines: its version and times, then whether it is valid."""
    text = Text()
    text.append("version ", style="dim")
    text.append(state.version or "—", style="bold")
    count = len(state.rule_sets)
    text.append(f" · {count} rule set{'s' if count != 1 else ''}")
    text.append(" · loaded ", style="dim")
    text.append(formatting.timestamp(state.loaded_at))
    if state.checked_at:
        text.append(" · checked ", style="dim")
        text.append(formatting.timestamp(state.checked_at))
    text.append("\n")
    if state.errors:
        errors = len(state.errors)
        text.append(
            f"✗ the last reload failed with {errors} error{'s' if errors != 1 else ''}",
            style="bold red",
        )
        text.append(": the service keeps the version above", style="red")
    else:
        text.append("✓ valid", style="bold green")
    return text


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

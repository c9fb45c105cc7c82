"""Help: what each screen is for, and the keys of the screen it was opened from."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_GUIDE = (
    (
        "Tenants",
        "agencies → locations → store connection. Type to filter by name, store domain "
        "or id; Enter opens a connection, F4 a location's keys and subscribers.",
    ),
    (
        "Connection",
        "status (and why it needs a reconnect), sync switches, import progress with "
        "rate and ETA, webhook health; recent deliveries (d) and trigger events (t), orders "
        "named by the store's number (#81).",
    ),
    (
        "Location",
        "read-only: the workflow subscribers of the location's trigger events with how their "
        "deliveries went, and the API keys of its agency (prefixes only).",
    ),
    (
        "Decisions",
        "why a record was skipped or how it was mapped, with the rule trace: the rule "
        "set and version, the matched rule and each condition with the record's actual value.",
    ),
    ("Rules", "the loaded rule sets, their version, and the last reload's errors (file:line)."),
    ("Explain", "run a rule set on pasted facts, a rule set's example or a recorded decision."),
)

_GENERAL = (
    ("ctrl+p", "command palette: every action by name"),
    ("tab", "next panel (the one with the focus has a bright border)"),
    ("F2 / F3", "tenants / rules, from anywhere"),
    ("F5", "refresh now (pages also refresh by themselves)"),
    ("escape", "back"),
    ("ctrl+q", "quit"),
)


class HelpScreen(ModalScreen[None]):
    """A modal; any of escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 100%;
        max-width: 96;
        height: auto;
        max-height: 90%;
        padding: 0 2;
        border: thick $primary;
        background: $surface;
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close", show=False)]

    def __init__(self, screen_name: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_name = screen_name
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Help"
            scroll.border_subtitle = "escape closes"
            yield Static(self._body())

    def _body(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True, min_width=12)
        table.add_column()
        table.add_row(Text(f"Keys on {self.screen_name}", style="bold underline"), "")
        for key, description in self.keys:
            table.add_row(key, description)
        table.add_row("", "")
        table.add_row(Text("Everywhere", style="bold underline"), "")
        for key, description in _GENERAL:
            table.add_row(key, description)
        table.add_row("", "")
        table.add_row(Text("Screens", style="bold underline"), "")
        for name, description in _GUIDE:
            table.add_row(name, description)
        return table

    def action_dismiss_help(self) -> None:
        """Close the help."""
        self.dismiss(None)

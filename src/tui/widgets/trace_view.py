"""A scrollable panel showing a decision and the trace that explains it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from wooconnect.tui.trace import render_trace


class TraceView(VerticalScroll):
    """Call `show` with a raw trace (and the decision it led to); `clear` empties it."""

    DEFAULT_CSS = """
    TraceView {
        height: 1fr;
        border: round $primary 50%;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    TraceView:focus {
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
    }
    TraceView > Static {
        width: 1fr;
    }
    """

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.placeholder = placeholder
        self.border_title = "Trace"
        self._body = Static(Text(placeholder, style="dim italic"))

    def compose(self) -> ComposeResult:
        yield self._body

    def show(self, trace: Any, decision: Any = None, *, title: str | None = None) -> None:
        """Render the trace."""
        if title:
            self.border_title = title
        self._body.update(render_trace(trace, decision))
        self.scroll_home(animate=False)

    def show_message(self, message: str, *, title: str, error: bool = False) -> None:
        """Show a sentence instead of a trace (a refusal, invalid input)."""
        self.border_title = title
        self._body.update(Text(message, style="bold red" if error else "italic"))

    def clear(self) -> None:
        """Back to the placeholder."""
        self.border_title = "Trace"
        self._body.update(Text(self.placeholder, style="dim italic"))

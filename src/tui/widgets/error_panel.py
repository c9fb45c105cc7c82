"""A panel that shows why a screen's data could not be loaded, in place of the data."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from wooconnect.tui.api import ApiError


class ErrorPanel(Static):
    """Hidden until `show` is called; `clear` hides it again once a load succeeds."""

    DEFAULT_CSS = """
    ErrorPanel {
        display: none;
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $error;
        color: $text;
        background: $error 15%;
    }
    ErrorPanel.-visible {
        display: block;
    }
    """

    def __init__(self, *, hint: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.hint = hint
        self.error: ApiError | None = None

    def show(self, error: ApiError) -> None:
        """Display the error with a hint on what happens next."""
        self.error = error
        text = Text()
        text.append(error.headline, style="bold")
        text.append(f"\n{error.message}")
        if self.hint:
            text.append(f"\n{self.hint}", style="dim")
        self.update(text)
        self.add_class("-visible")

    def clear(self) -> None:
        """Hide the panel."""
        self.error = None
        self.remove_class("-visible")

"""A yes/no modal for actions that change a store's connection."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Static

from wooconnect.tui.screens.dialog import Dialog


class ConfirmScreen(Dialog[bool]):
    """Asks a question; dismisses with True only when the person confirms."""

    DEFAULT_CSS = """
    ConfirmScreen > Vertical {
        border: thick $warning;
    }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, question: str, confirm_label: str, *, danger: bool = False):
        super().__init__(title)
        self.question = question
        self.confirm_label = confirm_label
        self.danger = danger

    def body(self) -> ComposeResult:
        yield Static(self.question)
        with Horizontal():
            yield Button("Cancel (n)", id="cancel")
            yield Button(
                f"{self.confirm_label} (y)",
                id="confirm",
                variant="error" if self.danger else "primary",
            )

    def on_mount(self) -> None:
        # Cancel has the focus, so a stray Enter never confirms a destructive action.
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Either button ends the dialog."""
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        """The y / n keys."""
        self.dismiss(answer)

"""A modal that asks how many requests a connection may send its store at once."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from wooconnect.tui.screens.dialog import Dialog

LOWEST, HIGHEST = 1, 16


@dataclass(frozen=True, slots=True)
class StoreConcurrencyChoice:
    """What the person chose: a number, or None for the deployment's default."""

    value: int | None


def parse_choice(text: str) -> StoreConcurrencyChoice:
    """A typed answer as a choice: empty is the default; else a whole number from 1 to 16.
    Raises `ValueError` with a sentence for the person."""
    text = text.strip()
    if not text:
        return StoreConcurrencyChoice(None)
    if not text.isdigit() or not LOWEST <= int(text) <= HIGHEST:
        raise ValueError(f"Type a whole number from {LOWEST} to {HIGHEST}, or nothing.")
    return StoreConcurrencyChoice(int(text))


class StoreConcurrencyScreen(Dialog[StoreConcurrencyChoice | None]):
    """Dismisses with the choice, or None when the person cancels."""

    DEFAULT_CSS = """
    StoreConcurrencyScreen #problem {
        color: $error;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, store_domain: str, current: int | None) -> None:
        super().__init__("Store concurrency")
        self.store_domain = store_domain
        self.current = current

    def body(self) -> ComposeResult:
        yield Static(
            f"At most how many requests {self.store_domain} gets at once, "
            f"{LOWEST} to {HIGHEST}: fewer for a fragile store, more for a strong one. "
            "Fewer are sent while the store struggles. Leave it empty for the "
            "deployment's default."
        )
        yield Input(
            "" if self.current is None else str(self.current),
            placeholder="deployment default",
            max_length=2,
            id="value",
        )
        yield Static("", id="problem")
        with Horizontal():
            yield Button("Cancel (esc)", id="cancel")
            yield Button("Save (enter)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        try:
            choice = parse_choice(self.query_one(Input).value)
        except ValueError as exc:
            self.query_one("#problem", Static).update(str(exc))
            return
        self.dismiss(choice)

    @on(Button.Pressed, "#cancel")
    def _cancelled(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The sync settings as a list of switches; choosing one asks for it to be flipped."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from wooconnect.tui.models import SYNC_ITEMS, SyncSettings


def _prompt(label: str, on: bool) -> Text:
    text = Text()
    text.append("[✓] " if on else "[ ] ", style="bold green" if on else "dim")
    text.append(label, style="" if on else "dim")
    return text


class SyncToggles(OptionList):
    """Enter or space on an item posts `ToggleRequested`; the screen confirms and applies it,
    then calls `show` with the settings the service answered (never flipped locally)."""

    # The highlighted switch stands out only while the list has the focus: then Enter flips it.
    DEFAULT_CSS = """
    SyncToggles, SyncToggles:focus {
        height: auto;
        max-height: 7;
        border: none;
        padding: 0;
        background: transparent;
        background-tint: transparent;
    }
    SyncToggles > .option-list--option-highlighted {
        background: $primary 15%;
        text-style: none;
    }
    SyncToggles:focus > .option-list--option-highlighted {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: bold;
    }
    """

    BINDINGS = [Binding("space", "select", "Toggle", show=False)]

    class ToggleRequested(Message):
        """The person asked to switch `item` to `enable`."""

        def __init__(self, item: str, label: str, enable: bool) -> None:
            super().__init__()
            self.item = item
            self.label = label
            self.enable = enable

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            *(Option(_prompt(label, False), id=key) for key, label in SYNC_ITEMS), id=id
        )
        self.settings: SyncSettings | None = None

    def show(self, settings: SyncSettings) -> None:
        """Reflect the service's current settings."""
        if settings == self.settings:
            return
        self.settings = settings
        for key, label in SYNC_ITEMS:
            self.replace_option_prompt(key, _prompt(label, bool(getattr(settings, key))))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Turn the selection into a toggle request for the screen."""
        event.stop()
        if event.option.id is None:
            return
        if self.settings is None:
            self.notify("The sync settings are still loading.", timeout=3)
            return
        key = event.option.id
        label = dict(SYNC_ITEMS)[key]
        self.post_message(self.ToggleRequested(key, label, not getattr(self.settings, key)))

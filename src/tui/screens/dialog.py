"""The base of the console's small modals: a framed box in the middle of the screen."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A box under a bold title, its buttons (if any) in a row at the bottom right. A subclass
    gives the title and `body`; its own CSS may set the box's width and border colour."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }
    Dialog > Vertical {
        width: 64;
        height: auto;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    Dialog .title {
        text-style: bold;
        margin-bottom: 1;
    }
    Dialog Horizontal {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    Dialog Button {
        margin-left: 2;
    }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        # `title` is taken: it is the screen's header title.
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield from self.body()

    def body(self) -> ComposeResult:
        """What the box shows under its title."""
        raise NotImplementedError

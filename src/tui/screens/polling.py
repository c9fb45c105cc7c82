"""The base of screens that show live data: load now, then poll while visible."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from wooconnect.tui.api import ApiError
from wooconnect.tui.context import Context
from wooconnect.tui.widgets.error_panel import ErrorPanel

T = TypeVar("T")


def still_open(screen: Screen[Any]) -> bool:
    """Whether `screen` is still on the stack and not being taken down. A worker that awaited
    the API checks this before touching widgets: the person may have closed the screen, or quit
    the console, while the request was in flight. (A screen being removed reports `display`
    False from the moment its removal starts, before its widgets go.)"""
    return (
        screen.app.is_running
        and screen.is_attached
        and screen in screen.app.screen_stack
        and screen.display
    )


async def fetch(screen: Screen[Any], request: Awaitable[T]) -> T | None:
    """Await `request` on behalf of `screen`. An `ApiError` shows in the screen's `ErrorPanel`
    and gives None, as does a screen closed meanwhile; a success hides the panel again. (The
    requests a screen makes this way never answer None themselves.)"""
    try:
        result = await request
    except ApiError as exc:
        if still_open(screen):
            screen.query_one(ErrorPanel).show(exc)
        return None
    if not still_open(screen):
        return None
    screen.query_one(ErrorPanel).clear()
    return result


class PollingScreen(Screen[None]):
    """Calls `load` on mount, every `poll_interval` seconds while the screen is shown, and on
    F5. One load at a time: a slow service delays the next poll instead of piling them up."""

    # F5 works on every page (the help and the palette say so); the footer keeps its room for
    # the page's own keys.
    BINDINGS = [Binding("f5", "refresh", "Refresh", show=False)]

    def __init__(self, context: Context, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.context = context
        self.loads = 0
        self._busy = False
        self._timer: Timer | None = None

    async def load(self) -> None:
        """Fetch and show the screen's data; report `ApiError`s in the screen."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.action_refresh()
        self._timer = self.set_interval(self.context.poll_interval, self.action_refresh)

    def on_screen_suspend(self) -> None:
        # A screen under another (a modal, a pushed page) stops polling the service.
        if self._timer is not None:
            self._timer.pause()

    def on_screen_resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
            if self.loads:
                self.action_refresh()

    @property
    def load_running(self) -> bool:
        """Whether a load is running now."""
        return self._busy

    def action_refresh(self) -> None:
        """Load now, unless a load is already running."""
        if not self._busy:
            self._busy = True
            self._run_load()

    @work(group="poll")
    async def _run_load(self) -> None:
        try:
            if still_open(self):
                await self.load()
        finally:
            self._busy = False
            self.loads += 1

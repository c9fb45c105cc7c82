"""The console application: built by `create_app` around an API client."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from wooconnect.tui.api import ApiClient
from wooconnect.tui.context import Context
from wooconnect.tui.screens.explain import ExplainScreen
from wooconnect.tui.screens.help import HelpScreen
from wooconnect.tui.screens.polling import PollingScreen
from wooconnect.tui.screens.rules import RulesScreen
from wooconnect.tui.screens.tenants import TenantsScreen


class ConsoleApp(App[None]):
    """The support console. Screens get the client through a `Context`, never a global."""

    TITLE = "wooconnect console"
    CSS_PATH = "console.tcss"
    # The palette already lists the app's screens and actions; keep Textual's own there too.
    # F2 and F3 work everywhere; the footer leaves them to the help and the palette, so that at
    # 80 columns it has room for the keys of the page itself.
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f2", "tenants", "Tenants", show=False),
        Binding("f3", "rules", "Rules", show=False),
    ]
    # Screens are laid out for 80x24 first; these classes let them use more room when there is.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    def __init__(self, client: ApiClient, *, poll_interval: float = 2.0) -> None:
        super().__init__()
        self.client = client
        self.context = Context(client=client, poll_interval=poll_interval)
        self.title = f"wooconnect console · {client.base_url}"

    def on_mount(self) -> None:
        self.push_screen(TenantsScreen(self.context))

    async def on_unmount(self) -> None:
        await self.client.aclose()

    # Navigation

    def action_tenants(self) -> None:
        """Back to the tenants, whatever is open."""
        self._pop_to(TenantsScreen)

    def action_rules(self) -> None:
        """The rules page (reusing it if it is already open underneath)."""
        if not self._pop_to(RulesScreen):
            self.push_screen(RulesScreen(self.context))

    def action_explain(self) -> None:
        """A blank explain page."""
        self.push_screen(ExplainScreen(self.context))

    def _pop_to(self, kind: type[Screen[None]]) -> bool:
        if not any(isinstance(screen, kind) for screen in self.screen_stack):
            return False
        while not isinstance(self.screen, kind):
            self.pop_screen()
        return True

    def action_help(self) -> None:
        """Keys of the current screen and a guide to the others."""
        if isinstance(self.screen, HelpScreen):
            return
        keys = []
        seen = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen or active.node is self:
                continue
            seen.add(binding.action)
            keys.append((self.get_key_display(binding), binding.description))
        name = self.screen.sub_title or self.screen.__class__.__name__
        self.push_screen(HelpScreen(name.split(" · ")[0], keys))

    # The command palette

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The console's pages and the current screen's actions, by name."""
        yield SystemCommand("Tenants", "Agencies, locations and their stores", self.action_tenants)
        yield SystemCommand("Rules", "Loaded rule sets and validation", self.action_rules)
        yield SystemCommand(
            "Explain", "Run a rule set on facts, with the trace", self.action_explain
        )
        yield SystemCommand("Help", "Keys and screens", self.action_help)
        if isinstance(screen, PollingScreen):
            yield SystemCommand("Refresh", "Load this page again now (F5)", screen.action_refresh)
        seen = {"help", "tenants", "rules", "refresh"}
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node is self or not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"{binding.description} ({self.get_key_display(binding)})",
                partial(screen.run_action, binding.action),
            )
        yield from super().get_system_commands(screen)


def create_app(client: ApiClient, *, poll_interval: float = 2.0) -> ConsoleApp:
    """Build the console around `client` (a real one, or one over a fake or in-process app)."""
    return ConsoleApp(client, poll_interval=poll_interval)

"""What every screen needs from the app: the API client and how often to poll."""

from __future__ import annotations

from dataclasses import dataclass

from wooconnect.tui.api import ApiClient


@dataclass(frozen=True, slots=True)
class Context:
    """Passed to each screen, so screens depend on this and not on the app class."""

    client: ApiClient
    poll_interval: float = 2.0

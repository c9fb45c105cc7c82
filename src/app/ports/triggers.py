"""The trigger publisher: hands a recorded trigger event to the location's workflow subscribers."""

from __future__ import annotations

from typing import Protocol

from domain.triggers import TriggerEvent


class TriggerPublisher(Protocol):
    async def publish(self, event: TriggerEvent) -> None:
        """Deliver `event` to its subscribers (signed, retried by the implementation)."""
        ...

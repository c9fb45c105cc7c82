"""Finding work whose message was lost. Every job and delivery is a database row before its
message is sent, so what a crash, a stop or a broker that lost its messages left behind is
found in the database and sent again; every task tolerates running twice."""

from __future__ import annotations

import logging

from app.errors import JobQueueUnavailable
from app.ports.basics import MessageLosses
from app.receiving import Receiving

log = logging.getLogger(__name__)


class InboxSweep:
    """Sends stored webhook deliveries that no worker got: those never sent, those sent long
    ago and still pending, and every pending one when the queue lost its messages."""

    def __init__(self, receiving: Receiving, losses: MessageLosses) -> None:
        self._receiving = receiving
        self._losses = losses

    async def sweep(self) -> int:
        """Send what was lost; returns how many deliveries were sent."""
        try:
            lost = await self._losses.lost_messages()
        except JobQueueUnavailable:
            lost = False  # nothing can be sent now; the next sweep asks again
        if lost:
            log.info("the job queue lost its messages; sending every pending delivery again")
        sent = await self._receiving.sweep(resend_sent=lost)
        if sent:
            log.info("sent %d stored deliveries to the workers", sent)
        return sent

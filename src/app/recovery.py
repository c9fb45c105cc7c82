"""Finding work whose message was lost. Every import job and webhook delivery is a database row
before its message is sent, so what a crash, a stop or a broker that lost its messages left
behind is found in the database and sent again; every task tolerates running twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from wooconnect.app.errors import JobQueueUnavailable
from wooconnect.app.importing import ImportRunner
from wooconnect.app.ports.basics import MessageLosses
from wooconnect.app.receiving import Receiving

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recovery:
    """Sends again what no worker got: stored webhook deliveries never sent or long pending,
    and, when a worker starts or the queue lost its messages, the unfinished import jobs and
    every pending delivery."""

    receiving: Receiving
    importer: ImportRunner
    losses: MessageLosses

    async def sweep(self, *, starting: bool = False) -> int:
        """Send what was lost; returns how many deliveries were sent. `starting`: a worker
        starts, and the messages of the jobs it was running may be gone with it."""
        try:
            lost = await self.losses.lost_messages()
        except JobQueueUnavailable:
            lost = False  # nothing can be sent now; the next sweep asks again
        if starting or lost:
            await self.importer.resume_unfinished()  # says how many, when there were any
        sent = await self.receiving.sweep(resend_sent=lost)
        # A queue that holds no earlier messages is also what a first start looks like (a new
        # Redis, or the in-memory queue of a process that just started): only work that was
        # actually sent again is worth a line.
        if sent and lost:
            log.info(
                "the job queue holds none of the messages sent before; "
                "webhook deliveries re-sent: %d",
                sent,
            )
        elif sent:
            log.info("webhook deliveries sent to the workers: %d", sent)
        return sent

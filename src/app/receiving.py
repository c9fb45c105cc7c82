"""The webhook receiver's use case: verify, store in the inbox, acknowledge, hand to a worker.

The inbox is the source of truth. A delivery is stored (and deduplicated) by the inbox intake
(`InboxIntake`) in a transaction committed before the store hears 200. The intake hands the
stored deliveries on after the commit, through `Handover`; a delivery whose send failed (Redis
down) or that a crash kept from being sent is picked up by the sweep.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import timedelta

from wooconnect.app.errors import BadPayload, NotFound, Unauthenticated, UpstreamUndecodable
from wooconnect.app.ports.basics import BulkJobQueue, Clock, JobQueue
from wooconnect.app.ports.persistence import InboxIntake, UnitOfWorkFactory
from wooconnect.app.ports.store import WebhookCodec
from wooconnect.app.tasks import DELIVERY_PROCESS
from wooconnect.domain.connection import ConnectionStatus
from wooconnect.domain.ids import new_id
from wooconnect.domain.inbox import DeliveryStatus, InboxDelivery

log = logging.getLogger(__name__)

_PING = re.compile(rb"^webhook_id=\d+$")
# A delivery whose message was sent but not processed after this long is sent again.
RESEND_AFTER = timedelta(minutes=10)
# Connections remembered by one receiver at most (a bound, not a tuning knob).
_MAX_ENDPOINTS = 10_000


@dataclass(frozen=True, slots=True)
class Incoming:
    connection_id: str
    body: bytes
    topic: str | None
    signature: str | None
    webhook_id: str | None = None
    delivery_id: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """`stored` is False for a ping or a duplicate; both are still acknowledged with 200."""

    kind: str  # "ping" | "stored" | "duplicate"
    delivery_id: str | None = None


def is_ping(incoming: Incoming) -> bool:
    return incoming.signature is None and _PING.match(incoming.body.strip()) is not None


def dedupe_key(
    resource: str,
    event: str,
    resource_id: int | None,
    version: str | None,
    delivery_id: str | None,
    body: bytes = b"",
) -> str:
    """Deliveries of the same resource version with the same body are the same delivery,
    whatever their topic (created and updated often carry identical data). The store's dates
    have whole seconds, so two changes within one second share a version: the body's digest
    tells them apart. Deletions and restorations have no version in the body, so the store's
    delivery id (unique per webhook and second) stands in.
    """
    if version is None:
        return f"{resource}:{resource_id}:{event}:{delivery_id or new_id()}"
    digest = hashlib.sha256(body).hexdigest()[:32]
    return f"{resource}:{resource_id}:{version}:{digest}"


@dataclass(frozen=True, slots=True)
class _Endpoint:
    """What the receiver needs of a connection: whether it receives, and its secret."""

    live: bool
    secret: str | None
    read_at: float


@dataclass(frozen=True, slots=True)
class Handover:
    """Hands stored deliveries to the workers; those it cannot send are left to the sweep."""

    uow: UnitOfWorkFactory
    queue: JobQueue
    _bulk_queue: BulkJobQueue | None = field(init=False)

    def __post_init__(self) -> None:
        # Checked once: an isinstance against a runtime protocol inspects the class each time.
        bulk_queue = self.queue if isinstance(self.queue, BulkJobQueue) else None
        object.__setattr__(self, "_bulk_queue", bulk_queue)

    async def send_many(self, deliveries: Sequence[InboxDelivery]) -> None:
        """Send the deliveries' ids, with one `enqueue_many` when the queue has it; those not
        sent are left to the sweep."""
        if self._bulk_queue is None:
            for delivery in deliveries:
                await self.send(delivery)
            return
        try:
            await self._bulk_queue.enqueue_many(DELIVERY_PROCESS, [d.id for d in deliveries])
        except Exception as exc:
            log.warning("%d deliveries stored but not sent to a worker: %s", len(deliveries), exc)
            await self._unsent(deliveries)

    async def send(self, delivery: InboxDelivery) -> None:
        """Hand the delivery to a worker; when the broker is down, leave it to the sweep."""
        try:
            await self.queue.enqueue(DELIVERY_PROCESS, delivery.id)
        except Exception as exc:
            log.warning("delivery %s stored but not sent to a worker: %s", delivery.id, exc)
            await self._unsent([delivery])

    async def _unsent(self, deliveries: Sequence[InboxDelivery]) -> None:
        """Mark deliveries as never sent, so that the sweep sends them (a worker that got
        one meanwhile has moved it out of pending, and is left alone)."""
        async with self.uow() as uow:
            for delivery in deliveries:
                current = await uow.inbox.get(delivery.id)
                if current is not None and current.status is DeliveryStatus.PENDING:
                    await uow.inbox.save(replace(current, enqueued_at=None))
            await uow.commit()


@dataclass(frozen=True, slots=True)
class Receiving:
    """`intake` stores a delivery and, once it is committed, hands it on (through `handover`,
    which the sweep uses too). `endpoint_ttl_s` is how long a connection's status and webhook
    secret, once read, are reused for its next deliveries (a store sends bursts); a delivery
    whose signature does not match the remembered secret is checked again against a fresh
    read."""

    uow: UnitOfWorkFactory
    clock: Clock
    codec: WebhookCodec
    intake: InboxIntake
    handover: Handover
    _: KW_ONLY
    endpoint_ttl_s: float = 5.0
    monotonic: Callable[[], float] = time.monotonic
    _endpoints: dict[str, _Endpoint] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    async def close(self) -> None:
        """Store and send what was received already; deliveries arriving later are refused."""
        await self.intake.close()

    async def _endpoint(self, connection_id: str, *, fresh: bool = False) -> _Endpoint:
        now = self.monotonic()
        known = self._endpoints.get(connection_id)
        if known is not None and not fresh and now - known.read_at < self.endpoint_ttl_s:
            return known
        async with self.uow() as uow:
            connection = await uow.connections.get(connection_id)
        live = connection is not None and connection.status is not ConnectionStatus.DISCONNECTED
        endpoint = _Endpoint(live, None if connection is None else connection.webhook_secret, now)
        if len(self._endpoints) >= _MAX_ENDPOINTS:
            self._endpoints.clear()
        self._endpoints[connection_id] = endpoint
        return endpoint

    def forget(self, connection_id: str) -> None:
        """Drop what is remembered of a connection (it was disconnected in this process)."""
        self._endpoints.pop(connection_id, None)

    def _signed(self, incoming: Incoming, endpoint: _Endpoint) -> bool:
        secret = endpoint.secret
        assert incoming.signature is not None
        return secret is not None and self.codec.verify(incoming.body, incoming.signature, secret)

    async def receive(self, incoming: Incoming) -> Received:
        endpoint = await self._endpoint(incoming.connection_id)
        if not endpoint.live:
            raise NotFound("unknown webhook endpoint")
        if is_ping(incoming):
            return Received("ping")
        if incoming.signature is None:
            raise Unauthenticated("the delivery has no X-WC-Webhook-Signature")
        if not self._signed(incoming, endpoint):
            # The secret may have changed since it was read (a reconnection): read it again.
            endpoint = await self._endpoint(incoming.connection_id, fresh=True)
            if not endpoint.live:
                raise NotFound("unknown webhook endpoint")
            if not self._signed(incoming, endpoint):
                raise Unauthenticated("the delivery's signature does not match")
        topic = (incoming.topic or "").strip()
        resource, _, event = topic.partition(".")
        now = self.clock.now()
        try:
            meta = self.codec.meta(incoming.body)
        except UpstreamUndecodable as exc:
            await self._keep_invalid(incoming, topic, str(exc))
            raise BadPayload(f"the delivery body is not readable JSON: {exc}") from None
        version = meta.date_modified_gmt.isoformat() if meta.date_modified_gmt else None
        delivery = InboxDelivery(
            id=new_id(),
            connection_id=incoming.connection_id,
            dedupe_key=dedupe_key(
                resource or "unknown",
                event,
                meta.resource_id,
                version,
                incoming.delivery_id,
                incoming.body,
            ),
            topic=topic or "unknown",
            resource=resource or "unknown",
            resource_id=meta.resource_id,
            date_modified_gmt=meta.date_modified_gmt,
            body=incoming.body,
            received_at=now,
            enqueued_at=now,
            webhook_id=_int(incoming.webhook_id),
            delivery_id=(incoming.delivery_id or "")[:64] or None,
        )
        if not await self.intake.add(delivery):
            return Received("duplicate")
        return Received("stored", delivery.id)

    async def _keep_invalid(self, incoming: Incoming, topic: str, reason: str) -> None:
        now = self.clock.now()
        resource = topic.partition(".")[0] or "unknown"
        delivery = InboxDelivery(
            id=new_id(),
            connection_id=incoming.connection_id,
            dedupe_key=f"invalid:{new_id()}",
            topic=topic or "unknown",
            resource=resource,
            resource_id=None,
            date_modified_gmt=None,
            body=incoming.body,
            received_at=now,
            status=DeliveryStatus.INVALID,
            processed_at=now,
            outcome=reason[:500],
        )
        async with self.uow() as uow:
            await uow.inbox.add_if_new(delivery)
            await uow.commit()

    async def sweep(
        self, *, older_than_s: float = 2.0, limit: int = 500, resend_sent: bool = False
    ) -> int:
        """Send deliveries that were stored but never reached a worker; returns how many.

        `resend_sent` also sends every pending delivery whose message was sent: the broker
        lost what it held (a Redis restarted without persistence), so those messages may be
        gone. A message that survived runs twice, which processing by id tolerates.
        """
        now = self.clock.now()
        cutoff = now - timedelta(seconds=older_than_s)
        resend_before = now if resend_sent else now - RESEND_AFTER
        total = 0
        while True:
            async with self.uow() as uow:
                unsent = list(await uow.inbox.list_unsent(cutoff, resend_before, limit))
                for delivery in unsent:
                    await uow.inbox.save(replace(delivery, enqueued_at=self.clock.now()))
                await uow.commit()
            if unsent:
                await self.handover.send_many(unsent)
            total += len(unsent)
            if not resend_sent or len(unsent) < limit:
                return total


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None

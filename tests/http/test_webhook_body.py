"""The receiver hands the use case the delivery's exact bytes, however the server hands them
over, refuses bodies over its limit, and counts what became of each delivery in the counters
of its own container."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import httpx
import pytest
from litestar import Litestar
from litestar.datastructures import State

from wooconnect.adapters.http.counters import ReceiverCounters
from wooconnect.adapters.http.errors import EXCEPTION_HANDLERS
from wooconnect.adapters.http.webhooks import MAX_DELIVERY_BYTES, WebhookReceiverController
from wooconnect.app.errors import NotFound, Unauthenticated
from wooconnect.app.receiving import Incoming, Received

URL = "http://service/webhooks/woocommerce/c-1"
SIGNED = {"X-WC-Webhook-Topic": "order.created", "X-WC-Webhook-Signature": "sig"}


@dataclass
class RecordingReceiving:
    """Stands in for `Receiving`: keeps what it was given, answers `stored` unless told to
    refuse with an error."""

    received: list[Incoming] = field(default_factory=list)
    refuse_with: Exception | None = None

    async def receive(self, incoming: Incoming) -> Received:
        self.received.append(incoming)
        if self.refuse_with is not None:
            raise self.refuse_with
        return Received("stored", "d-1")


@dataclass
class Receiver:
    client: httpx.AsyncClient
    receiving: RecordingReceiving
    counters: ReceiverCounters


def receiver_app(receiving: RecordingReceiving, counters: ReceiverCounters) -> Litestar:
    container = SimpleNamespace(
        services=SimpleNamespace(receiving=receiving), receiver_counters=counters
    )
    return Litestar(
        route_handlers=[WebhookReceiverController],
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"container": container}),
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiving, counters = RecordingReceiving(), ReceiverCounters()
    # httpx's ASGI transport passes each chunk of a streamed body as its own ASGI message.
    transport = httpx.ASGITransport(app=receiver_app(receiving, counters))
    async with httpx.AsyncClient(transport=transport) as client:
        yield Receiver(client, receiving, counters)


async def chunked(chunks: Sequence[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def test_a_delivery_reaches_the_use_case_with_its_bytes_and_headers(
    receiver: Receiver,
) -> None:
    body = b'{"id": 1, "note": "caf\xc3\xa9"}'
    headers = {**SIGNED, "X-WC-Webhook-ID": "7", "X-WC-Webhook-Delivery-ID": "d-9"}
    answer = await receiver.client.post(URL, content=body, headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"status": "stored"}
    [incoming] = receiver.receiving.received
    assert incoming == Incoming("c-1", body, "order.created", "sig", "7", "d-9")


async def test_a_body_in_many_messages_is_read_whole_and_in_order(receiver: Receiver) -> None:
    chunks = [bytes([n]) * 65_536 for n in range(5)]
    answer = await receiver.client.post(URL, content=chunked(chunks), headers=SIGNED)
    assert answer.status_code == 200
    assert receiver.receiving.received[0].body == b"".join(chunks)


async def test_an_announced_length_over_the_limit_is_refused_with_413(
    receiver: Receiver,
) -> None:
    too_long = {**SIGNED, "Content-Length": str(MAX_DELIVERY_BYTES + 1)}
    answer = await receiver.client.post(URL, content=chunked([b"{}"]), headers=too_long)
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"
    assert receiver.receiving.received == []


async def test_a_body_growing_over_the_limit_is_refused_whatever_it_announced(
    receiver: Receiver,
) -> None:
    lying = {**SIGNED, "Content-Length": "10"}
    chunks = [b"x" * 600_000, b"x" * 600_000]
    answer = await receiver.client.post(URL, content=chunked(chunks), headers=lying)
    assert answer.status_code == 413
    assert receiver.receiving.received == []


async def test_a_malformed_content_length_is_a_400(receiver: Receiver) -> None:
    malformed = {**SIGNED, "Content-Length": "ten"}
    answer = await receiver.client.post(URL, content=chunked([b"{}"]), headers=malformed)
    assert answer.status_code == 400
    assert "content-length" in answer.json()["message"]
    assert receiver.receiving.received == []


@pytest.mark.parametrize(
    ("refusal", "status", "reason"),
    [
        (Unauthenticated("the delivery's signature does not match"), 401, "unauthenticated"),
        (NotFound("unknown webhook endpoint"), 404, "not_found"),
    ],
)
async def test_a_refused_delivery_gets_the_mapped_error_and_is_counted_by_its_reason(
    receiver: Receiver, refusal: Exception, status: int, reason: str
) -> None:
    receiver.receiving.refuse_with = refusal
    answer = await receiver.client.post(URL, content=b"{}", headers=SIGNED)
    assert answer.status_code == status
    assert answer.json()["error"] == reason
    assert receiver.counters.received == 1
    assert receiver.counters.rejected == {reason: 1}
    assert receiver.counters.accepted == {}


async def test_each_app_counts_into_its_own_containers_counters() -> None:
    first, second = ReceiverCounters(), ReceiverCounters()
    apps = [receiver_app(RecordingReceiving(), c) for c in (first, second)]
    for app, deliveries in zip(apps, (2, 1), strict=True):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(deliveries):
                assert (await client.post(URL, content=b"{}", headers=SIGNED)).status_code == 200
    assert (first.received, first.accepted) == (2, {"stored": 2})
    assert (second.received, second.accepted) == (1, {"stored": 1})


async def test_a_delivery_the_database_cannot_take_now_is_a_503_with_retry_after(
    receiver: Receiver,
) -> None:
    receiver.receiving.refuse_with = ConnectionRefusedError(111, "Connection refused")
    answer = await receiver.client.post(URL, content=b"{}", headers=SIGNED)
    assert answer.status_code == 503
    assert answer.json()["error"] == "database_unavailable"
    assert int(answer.headers["Retry-After"]) > 0

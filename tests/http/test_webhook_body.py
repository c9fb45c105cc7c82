"""The receiver reads the delivery's exact bytes, however the server hands them over, and
refuses bodies over its limit."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from litestar.exceptions import ClientException, InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Message, Receive

from adapters.http.webhooks import MAX_DELIVERY_BYTES, read_body


def messages(chunks: Sequence[bytes], *, disconnect: bool = False) -> Receive:
    queue: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
        for n, chunk in enumerate(chunks)
    ]
    if disconnect:
        queue[-1] = {"type": "http.disconnect"}

    async def receive() -> Message:
        return queue.pop(0)

    return receive  # type: ignore[return-value]


async def test_a_body_in_one_message_is_read_as_is() -> None:
    assert await read_body(messages([b'{"id":1}']), "8") == b'{"id":1}'


async def test_a_body_in_many_messages_is_read_whole_and_in_order() -> None:
    chunks = [bytes([n]) * 65_536 for n in range(5)]
    assert await read_body(messages(chunks), None) == b"".join(chunks)


async def test_an_announced_length_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(RequestEntityTooLarge):
        await read_body(messages([]), str(MAX_DELIVERY_BYTES + 1))


async def test_a_body_growing_over_the_limit_is_refused_whatever_it_announced() -> None:
    chunks = [b"x" * 600_000, b"x" * 600_000]
    with pytest.raises(RequestEntityTooLarge):
        await read_body(messages(chunks), "10")


async def test_a_malformed_content_length_is_a_client_error() -> None:
    with pytest.raises(ClientException, match="content-length"):
        await read_body(messages([b"{}"]), "ten")


async def test_a_client_that_leaves_mid_body_is_not_read_further() -> None:
    with pytest.raises(InternalServerException, match="disconnected"):
        await read_body(messages([b"{", b"}"], disconnect=True), None)

"""The job queue the use cases send with: ids only, to the task's actor on the task's queue,
and a clear error the caller can catch when Redis is down."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from dramatiq import Message
from dramatiq.common import dq_name

from tests.support.services import REDIS_URL, require_redis
from tests.support.waiting import eventually_async
from wooconnect.adapters.store_errors import StoreErrorCounts
from wooconnect.adapters.worker.brokers import embedded_broker, sender_broker
from wooconnect.adapters.worker.job_queue import (
    IDS_PER_MESSAGE,
    SEND_SOCKET_TIMEOUT_S,
    DramatiqJobQueue,
)
from wooconnect.app.errors import JobQueueUnavailable
from wooconnect.app.tasks import DELIVERY_PROCESS, IMPORT_RUN


async def test_a_message_carries_only_the_id_to_the_actor_named_after_the_task() -> None:
    broker = embedded_broker()
    await DramatiqJobQueue(broker).enqueue(IMPORT_RUN, "job-1")
    message = Message.decode(broker.queues["imports"].get_nowait())
    assert (message.actor_name, message.queue_name, message.args) == (
        "imports.run",
        "imports",
        ("job-1",),
    )
    assert message.kwargs == {}


async def test_the_in_memory_queue_reports_its_messages_lost_once_per_process() -> None:
    queue = DramatiqJobQueue(embedded_broker())
    assert [await queue.lost_messages(), await queue.lost_messages()] == [True, False]
    assert await queue.ping() is True


async def test_sending_while_redis_is_down_raises_job_queue_unavailable() -> None:
    queue = DramatiqJobQueue(sender_broker("redis://127.0.0.1:1/0"))
    with pytest.raises(JobQueueUnavailable, match=r"webhooks\.process\(delivery-1\)"):
        await queue.enqueue(DELIVERY_PROCESS, "delivery-1")
    assert await queue.ping() is False
    await queue.close()


async def test_a_hanging_redis_does_not_hold_the_event_loop() -> None:
    # A listening socket that never answers: the send waits for its socket timeout, in a
    # thread, while the loop keeps running.
    accepted: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    queue = DramatiqJobQueue(sender_broker(f"redis://127.0.0.1:{port}/0"))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    send = asyncio.create_task(queue.enqueue(IMPORT_RUN, "job-1"))
    await eventually_async(lambda: accepted, what="the send connected")
    waiting_since = ticks
    await eventually_async(lambda: ticks >= waiting_since + 15, what="the loop ticked on")
    assert not send.done()
    # The server hangs up: the send fails at once instead of waiting for its socket timeout.
    hung_up = time.monotonic()
    for writer in accepted:
        writer.close()
    with pytest.raises(JobQueueUnavailable):
        await send
    ticker.cancel()
    server.close()
    assert time.monotonic() - hung_up < SEND_SOCKET_TIMEOUT_S


async def test_redis_losing_its_data_is_reported_once_to_one_of_the_senders() -> None:
    require_redis()
    namespace = f"wooconnect-test-{uuid.uuid4().hex[:10]}"
    first = DramatiqJobQueue(sender_broker(REDIS_URL, namespace=namespace))
    second = DramatiqJobQueue(sender_broker(REDIS_URL, namespace=namespace))
    try:
        assert await first.lost_messages() is True  # nothing says otherwise yet
        assert await second.lost_messages() is False
        first.broker.client.delete(f"{namespace}:messages-kept-since")  # as a restart would
        assert [await second.lost_messages(), await first.lost_messages()] == [True, False]
    finally:
        first.broker.client.delete(f"{namespace}:messages-kept-since")
        await first.close()
        await second.close()


async def test_asking_a_redis_that_is_down_whether_it_lost_messages_raises() -> None:
    queue = DramatiqJobQueue(sender_broker("redis://127.0.0.1:1/0"))
    with pytest.raises(JobQueueUnavailable):
        await queue.lost_messages()
    await queue.close()


async def test_a_batch_of_deliveries_travels_as_messages_of_many_ids_on_the_tasks_queue() -> None:
    require_redis()
    namespace = f"wooconnect-test-{uuid.uuid4().hex[:10]}"
    broker = sender_broker(REDIS_URL, namespace=namespace)
    queue = DramatiqJobQueue(broker)
    ids = [f"d-{n}" for n in range(IDS_PER_MESSAGE + 2)]
    try:
        await queue.enqueue_many(DELIVERY_PROCESS, ids)
        await queue.enqueue_many(DELIVERY_PROCESS, ["d-last"])
        consumer = broker.consume("webhooks", prefetch=10, timeout=200)
        received = []
        for _ in range(20):
            message = next(consumer)
            if message is not None:
                received.append((message.actor_name, message.args))
                assert message.message_id
                assert message.message_timestamp > 0
                consumer.ack(message)
            if len(received) == 3:
                break
        consumer.close()
        assert received == [
            ("webhooks.process_many", (ids[:IDS_PER_MESSAGE],)),
            ("webhooks.process_many", (ids[IDS_PER_MESSAGE:],)),
            ("webhooks.process_many", (["d-last"],)),
        ]
    finally:
        broker.flush_all()
        broker.client.delete(*broker.client.keys(f"{namespace}*") or ["-"])
        await queue.close()


async def test_a_batch_of_a_task_without_a_bulk_actor_is_a_message_per_id() -> None:
    broker = embedded_broker()
    await DramatiqJobQueue(broker).enqueue_many(IMPORT_RUN, ["job-1", "job-2"])
    messages = [Message.decode(broker.queues["imports"].get_nowait()) for _ in range(2)]
    assert [(m.actor_name, m.args) for m in messages] == [
        ("imports.run", ("job-1",)),
        ("imports.run", ("job-2",)),
    ]


async def test_a_batch_sent_while_redis_is_down_raises_job_queue_unavailable() -> None:
    queue = DramatiqJobQueue(sender_broker("redis://127.0.0.1:1/0"))
    with pytest.raises(JobQueueUnavailable, match=r"2 ids of webhooks\.process"):
        await queue.enqueue_many(DELIVERY_PROCESS, ["d-1", "d-2"])
    await queue.close()


async def test_a_delayed_message_waits_on_the_delay_queue_with_its_time() -> None:
    require_redis()
    namespace = f"wooconnect-test-{uuid.uuid4().hex[:10]}"
    broker = sender_broker(REDIS_URL, namespace=namespace)
    queue = DramatiqJobQueue(broker)
    try:
        await queue.enqueue_many(DELIVERY_PROCESS, ["d-1", "d-2"])
        before_ms = time.time() * 1000
        await queue.enqueue(IMPORT_RUN, "job-1", delay_s=30)
        consumer = broker.consume(dq_name("imports"), prefetch=1, timeout=200)
        message = next(m for m in (next(consumer) for _ in range(20)) if m is not None)
        consumer.ack(message)
        consumer.close()
        assert (message.actor_name, message.args) == ("imports.run", ("job-1",))
        assert message.options["eta"] >= before_ms + 29_000
    finally:
        broker.client.delete(*broker.client.keys(f"{namespace}*") or ["-"])
        await queue.close()


async def test_a_queue_s_depth_counts_its_unfinished_tasks_delayed_ones_included() -> None:
    queue = DramatiqJobQueue(embedded_broker())
    await queue.enqueue(IMPORT_RUN, "job-1")
    await queue.enqueue(IMPORT_RUN, "job-2", delay_s=60)
    depths = await queue.depths()
    assert depths["imports"] == 2
    assert depths["webhooks"] == 0


async def test_on_redis_the_depth_and_the_store_errors_are_shared_by_every_process() -> None:
    require_redis()
    namespace = f"wooconnect-test-{uuid.uuid4().hex[:10]}"
    sender = DramatiqJobQueue(sender_broker(REDIS_URL, namespace=namespace))
    reader = DramatiqJobQueue(sender_broker(REDIS_URL, namespace=namespace))
    try:
        await sender.enqueue_many(DELIVERY_PROCESS, ["d-1", "d-2"])
        await sender.enqueue(DELIVERY_PROCESS, "d-3")
        await StoreErrorCounts.beside(sender).record("conn-1", "store_unavailable")
        await StoreErrorCounts.beside(sender).record("conn-1", "store_unavailable")

        depths = await reader.depths()
        assert depths["webhooks"] == 2  # messages: one of two ids, one of one
        assert depths["imports"] == 0
        assert await StoreErrorCounts.beside(reader).read() == {("conn-1", "store_unavailable"): 2}
    finally:
        sender.broker.flush_all()
        sender.broker.client.delete(*sender.broker.client.keys(f"{namespace}*") or ["-"])
        await sender.close()
        await reader.close()


async def test_the_depth_of_a_queue_on_a_redis_that_is_down_is_unavailable() -> None:
    queue = DramatiqJobQueue(sender_broker("redis://127.0.0.1:1/0"))
    with pytest.raises(JobQueueUnavailable):
        await queue.depths()
    await queue.close()

"""Webhooks end to end (client ↔ simulator ↔ a receiver) and the key grant."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.records import agency_and_location, connection_of
from tests.woocommerce.conftest import access_for, http_client_for, woo_client
from tests.woocommerce.receiver import Receiver
from wooconnect.adapters.woocommerce import (
    WebhookTopics,
    build_authorize_url,
    decode_key_grant,
    decode_order_payload,
    generate_webhook_secret,
    verify_webhook_signature,
)
from wooconnect.adapters.woocommerce.keygrant import KeyGrantInvalid
from wooconnect.adapters.woocommerce.simulator import RunningSimulator
from wooconnect.app.errors import UpstreamRequestInvalid
from wooconnect.app.ports.store import NewWebhook
from wooconnect.app.webhooks_registry import WebhookRegistrar
from wooconnect.domain.store_url import StoreUrl


async def test_creating_a_webhook_pings_and_then_deliveries_are_signed(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    secret = generate_webhook_secret()
    async with http_client_for(simulator) as http:
        client = woo_client(http)
        webhook = await client.create_webhook(
            access_for(simulator),
            topic="order.updated",
            delivery_url=receiver.url + "/hook",
            secret=secret,
            name="wooconnect order.updated",
        )
    [ping] = receiver.of_kind(ping=True)
    assert ping.body == f"webhook_id={webhook.id}".encode()
    assert ping.headers["content-type"] == "application/x-www-form-urlencoded"
    simulator.store.update_order(11, status="completed")
    [delivery] = await receiver.wait_for(1)
    assert verify_webhook_signature(
        delivery.body, delivery.headers["x-wc-webhook-signature"], secret
    )
    assert delivery.headers["x-wc-webhook-topic"] == "order.updated"
    assert delivery.headers["x-wc-webhook-source"] == simulator.base_url + "/"
    assert b"\\/" in delivery.body  # wp_json_encode escaping, signed as sent
    assert decode_order_payload(delivery.body).status == "completed"


async def test_quick_changes_coalesce_into_one_delivery_built_at_delivery_time(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    store = simulator.store
    for topic in ("order.created", "order.updated"):
        store.add_webhook(name=topic, topic=topic, delivery_url=receiver.url, secret="s3cret")
    order = store.create_order(customer_id=3, status="pending")
    store.update_order(order.id, status="processing")
    store.add_refund(order.id, "1.00", "quick")
    deliveries = await receiver.wait_for(2)
    await simulator.wait_for_deliveries(2)
    assert sorted(d.headers["x-wc-webhook-topic"] for d in deliveries) == [
        "order.created",
        "order.updated",
    ]
    for delivery in deliveries:
        body = json.loads(delivery.body)
        assert body["status"] == "processing"  # even order.created shows the latest state
        assert body["refunds"][0]["total"] == "-1.00"


async def test_a_failing_endpoint_is_never_retried_and_disabled_on_the_seventh_failure(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    store = simulator.store
    receiver.default_status = 500
    webhook = store.add_webhook(
        name="w", topic="customer.updated", delivery_url=receiver.url, secret="s3cret"
    )
    webhook.pending_delivery = False
    for attempt in range(8):
        store.update_customer(3, first_name=f"Name{attempt}")
        await simulator.wait_for_deliveries(attempt + 1, within=2)
    deliveries = [d for d in store.deliveries if d.kind == "delivery"]
    assert len(deliveries) == 7  # one POST per change, none retried; none after disabling
    assert webhook.status == "disabled"


async def test_a_disabled_webhook_is_recreated_with_no_failures_rather_than_re_enabled(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    # Re-enabling would keep the store's failure count, so one more failure would disable it
    # again: the health check deletes it and creates a fresh one.
    store = simulator.store
    access = access_for(simulator)
    now = datetime.now(UTC)
    _, location = agency_and_location(now)
    connection = connection_of(
        location,
        now,
        store_url=access.store_url,
        credentials=access.credentials,
        webhook_secret=generate_webhook_secret(),
        connection_id=access.connection_id,
    )
    async with http_client_for(simulator) as http:
        client = woo_client(http)
        registrar = WebhookRegistrar(client, receiver.url)
        await registrar.register(connection)
        first = await client.list_webhooks(access)
        stale = store.webhooks[first[0].id]
        stale.status, stale.failure_count = "disabled", 6
        health = await registrar.ensure(connection)
        second = await client.list_webhooks(access)
    assert health.recreated == (stale.topic,)
    assert stale.id not in {w.id for w in second}
    assert {w.status for w in second} == {"active"}
    assert all(store.webhooks[w.id].failure_count == 0 for w in second)
    assert sorted(w.topic for w in second) == sorted(w.topic for w in first)


def webhook_requests(simulator: RunningSimulator) -> list[tuple[str, str]]:
    with simulator.store.lock:
        log = list(simulator.store.request_log)
    return [(m, path.rsplit("/wc/v3/", 1)[-1]) for m, path, _ in log if "webhooks" in path]


async def test_webhooks_are_created_and_deleted_in_one_batch_request_each_pinged(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    store = simulator.store
    old = [
        store.add_webhook(name="old", topic=t, delivery_url=receiver.url, secret="old1")
        for t in ("order.created", "order.updated")
    ]
    secret = generate_webhook_secret()
    wanted = [NewWebhook(t, receiver.url, secret, f"wooconnect {t}") for t in WebhookTopics]
    async with http_client_for(simulator) as http:
        created = await woo_client(http).change_webhooks(
            access_for(simulator), create=wanted, delete=[w.id for w in old]
        )
    assert webhook_requests(simulator) == [("POST", "webhooks/batch")]
    assert [w.topic for w in created] == list(WebhookTopics)
    assert sorted(store.webhooks) == sorted(w.id for w in created)
    assert all(store.webhooks[w.id].secret == secret for w in created)
    pings = receiver.of_kind(ping=True)
    assert sorted(p.body for p in pings) == sorted(f"webhook_id={w.id}".encode() for w in created)


async def test_a_batch_over_the_store_s_limit_is_sent_in_parts_and_gone_webhooks_count_as_deleted(
    simulator: RunningSimulator,
) -> None:
    async with http_client_for(simulator) as http:
        created = await woo_client(http).change_webhooks(
            access_for(simulator), delete=list(range(5_000, 5_150))
        )
    assert created == []
    assert webhook_requests(simulator) == [("POST", "webhooks/batch")] * 2


async def test_a_webhook_the_store_refuses_in_a_batch_is_raised_after_the_others_were_made(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    wanted = [
        NewWebhook("order.created", receiver.url, "abc123", "good"),
        NewWebhook("order.shipped", receiver.url, "abc123", "bad topic"),
        NewWebhook("order.updated", receiver.url, "abc123", "good too"),
    ]
    async with http_client_for(simulator) as http:
        with pytest.raises(UpstreamRequestInvalid, match="invalid_topic"):
            await woo_client(http).change_webhooks(access_for(simulator), create=wanted)
    topics = sorted(w.topic for w in simulator.store.webhooks.values())
    assert topics == ["order.created", "order.updated"]


async def test_the_simulated_batch_refuses_more_than_100_items_as_a_store_does(
    simulator: RunningSimulator,
) -> None:
    async with http_client_for(simulator) as http:
        client = woo_client(http)
        with pytest.raises(UpstreamRequestInvalid, match="413 woocommerce_rest_request_entity"):
            # One request past the client's own splitting.
            await client._request(
                access_for(simulator),
                "POST",
                "webhooks/batch",
                {},
                json={"delete": list(range(1, 102))},
                idempotent=False,
            )


async def test_deleting_webhooks_is_forced_and_idempotent(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    async with http_client_for(simulator) as http:
        client = woo_client(http)
        access = access_for(simulator)
        webhook = await client.create_webhook(
            access,
            topic="customer.created",
            delivery_url=receiver.url,
            secret="abc123",
            name="x",
        )
        await client.delete_webhook(access, webhook.id)
        await client.delete_webhook(access, webhook.id)
        assert await client.list_webhooks(access) == []
    assert all("force=true" in q for m, _, q in simulator.store.request_log if m == "DELETE")


async def test_a_webhook_secret_must_be_alphanumeric(simulator: RunningSimulator) -> None:
    async with http_client_for(simulator) as http:
        with pytest.raises(ValueError, match="letters and digits"):
            await woo_client(http).create_webhook(
                access_for(simulator),
                topic="order.created",
                delivery_url="http://x.test",
                secret="a&b<c",
                name="x",
            )
    assert generate_webhook_secret().isalnum()


@pytest.mark.parametrize(
    ("fault", "expected_posts"),
    [({"drop_deliveries": 1}, 0), ({"duplicate_deliveries": 1}, 2)],
)
async def test_delivery_faults_drop_or_duplicate(
    simulator: RunningSimulator, receiver: Receiver, fault: dict[str, int], expected_posts: int
) -> None:
    store = simulator.store
    store.add_webhook(name="w", topic="order.updated", delivery_url=receiver.url, secret="s3cret")
    store.faults.update(fault)
    store.update_order(11, status="on-hold")
    await simulator.wait_for_deliveries(1)
    await receiver.wait_for(expected_posts, within=0.5)
    assert len(receiver.of_kind(ping=False)) == expected_posts


async def test_reordered_deliveries_arrive_newest_first(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    store = simulator.store
    store.add_webhook(name="w", topic="order.updated", delivery_url=receiver.url, secret="s3cret")
    store.faults.reorder_deliveries = True
    for order_id in (11, 12, 13):
        store.update_order(order_id, transaction_id="x")
    deliveries = await receiver.wait_for(3)
    assert [json.loads(d.body)["id"] for d in deliveries] == [13, 12, 11]


async def test_trashing_sends_only_the_id_and_restoring_sends_the_order(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    store = simulator.store
    for topic in ("order.deleted", "order.restored"):
        store.add_webhook(name=topic, topic=topic, delivery_url=receiver.url, secret="s3cret")
    store.trash_order(12)
    await receiver.wait_for(1)
    store.restore_order(12)
    deleted, restored = await receiver.wait_for(2)
    assert deleted.body == b'{"id":12}'
    assert json.loads(restored.body)["status"] != "trash"


def test_the_authorize_url_carries_the_five_parameters() -> None:
    url = build_authorize_url(
        StoreUrl.parse("https://shop.example.com/store"),
        app_name="wooconnect",
        state="st-1",
        return_url="https://app.test/done",
        callback_url="https://app.test/cb/st-1",
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://shop.example.com/store/wc-auth/v1/authorize"
    )
    assert parse_qs(parts.query) == {
        "app_name": ["wooconnect"],
        "scope": ["read_write"],
        "user_id": ["st-1"],
        "return_url": ["https://app.test/done"],
        "callback_url": ["https://app.test/cb/st-1"],
    }


def test_a_malformed_key_grant_is_refused_clearly() -> None:
    with pytest.raises(KeyGrantInvalid, match="not a WooCommerce key grant"):
        decode_key_grant(b'{"key_id": 1}')
    with pytest.raises(KeyGrantInvalid, match="ck_"):
        decode_key_grant(b'{"key_id":1,"user_id":"u","consumer_key":"x","consumer_secret":"y"}')
    numeric = decode_key_grant(
        b'{"key_id":1,"user_id":123,"consumer_key":"ck_1","consumer_secret":"cs_2"}'
    )
    assert numeric.user_id == "123"


async def test_a_store_refuses_a_key_grant_whose_callback_is_not_https(
    simulator: RunningSimulator, receiver: Receiver
) -> None:
    url = build_authorize_url(
        StoreUrl.parse(simulator.base_url, allow_insecure=True),
        app_name="wooconnect",
        state="st-1",
        return_url="https://app.test/done",
        callback_url=receiver.url + "/cb",
    )
    async with http_client_for(simulator) as http:
        screen = await http.get(url)
    assert screen.status_code == 400
    assert "The callback_url needs to be over SSL" in screen.text
    assert simulator.store.grants == {}


async def test_approving_a_key_grant_posts_working_keys_to_the_callback(
    dev_simulator: RunningSimulator, receiver: Receiver
) -> None:
    simulator = dev_simulator
    url = build_authorize_url(
        StoreUrl.parse(simulator.base_url, allow_insecure=True),
        app_name="wooconnect",
        state="st-42",
        return_url="https://app.test/done",
        callback_url=receiver.url + "/cb",
    )
    async with http_client_for(simulator) as http:
        screen = await http.get(url)
        assert screen.status_code == 200
        assert "Approve" in screen.text
        action = screen.text.split('action="')[1].split('"')[0]
        approved = await http.post(simulator.base_url + action)
    assert approved.status_code == 302
    assert approved.headers["location"] == "https://app.test/done?success=1&user_id=st-42"
    [callback] = receiver.received
    assert callback.headers["content-type"] == "application/json;charset=UTF-8"
    grant = decode_key_grant(callback.body)
    assert grant.user_id == "st-42"
    assert grant.consumer_key in simulator.store.api_keys


async def test_a_callback_that_does_not_answer_200_loses_the_key(
    dev_simulator: RunningSimulator, receiver: Receiver
) -> None:
    simulator = dev_simulator
    receiver.default_status = 201
    keys_before = set(simulator.store.api_keys)
    async with http_client_for(simulator) as http:
        await http.get(
            build_authorize_url(
                StoreUrl.parse(simulator.base_url, allow_insecure=True),
                app_name="w",
                state="s",
                return_url="https://app.test/r",
                callback_url=receiver.url,
            )
        )
    outcome = await simulator.approve_key_grant()
    assert not outcome.approved
    assert set(simulator.store.api_keys) == keys_before

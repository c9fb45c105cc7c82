"""Structured logs: JSON lines carrying the ids of what they are about, and never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from wooconnect.adapters.cli.demo import running_service
from wooconnect.adapters.logging_setup import (
    MASK,
    configure_logging,
    redact,
    resolve_format,
    service_secrets,
)
from wooconnect.adapters.settings import Settings
from wooconnect.adapters.woocommerce.simulator import (
    SimulatedStore,
    StoreSettings,
    running_simulator,
    seed_store,
)
from wooconnect.app.log_context import log_context

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "wc_admin_" + "T0k3n" * 8
CONSUMER_KEY = "ck_" + "1a2b3c4d5e" * 4
CONSUMER_SECRET = "cs_" + "9f8e7d6c5b" * 4


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The process's log handler, writing JSON into a buffer; removed afterwards."""
    root = logging.getLogger()
    level = root.level
    # Other suites may quieten the HTTP client's loggers; this test reads their lines.
    quietened = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    for name in quietened:
        logging.getLogger(name).setLevel(logging.NOTSET)
    stream = io.StringIO()
    handler = configure_logging("json", level=logging.DEBUG, stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, previous in quietened.items():
            logging.getLogger(name).setLevel(previous)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def _wizard_and_import(tmp_path: Path, secret_key: str) -> dict[str, Any]:
    """Serve the API on a port, connect a seeded store with manual keys, import it, subscribe
    to triggers, sell and refund; connect a second location through the key grant. Returns the
    secrets that went by and the ids involved."""
    # The service is served over plain http: the store takes its http key-grant callback.
    store = SimulatedStore(
        StoreSettings(coalesce_seconds=0.01, require_https_callback=False), seed=5
    )
    seed_store(store, customers=20, orders=60, seed=5)
    store.create_api_key(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET)
    seen: dict[str, Any] = {"secrets": [ADMIN_TOKEN, secret_key, CONSUMER_KEY, CONSUMER_SECRET]}
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    service_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings.from_env(
        {
            "WOOCONNECT_PUBLIC_URL": service_url,
            "WOOCONNECT_VAR_DIR": str(tmp_path / "var"),
            "WOOCONNECT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "WOOCONNECT_ALLOW_PRIVATE_STORES": "true",
            "WOOCONNECT_ALLOW_HTTP_KEY_GRANT": "true",
            "WOOCONNECT_ADMIN_TOKEN": ADMIN_TOKEN,
            "WOOCONNECT_SECRET_KEY": secret_key,
            "WOOCONNECT_RULES_DIR": str(ROOT / "rules"),
        }
    )
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with (
        sock,
        running_simulator(store) as sim,
        running_service(settings, sock),
    ):
        async with httpx.AsyncClient(base_url=service_url, headers=headers, timeout=30) as client:

            async def call(method: str, path: str, **kwargs: Any) -> Any:
                response = await client.request(method, path, **kwargs)
                assert response.status_code < 300, response.text
                return response.json() if response.content else None

            agency = await call("POST", "/api/v1/agencies", json={"name": "Agency"})
            api_key = await call("POST", f"/api/v1/agencies/{agency['id']}/api-keys")
            seen["secrets"].append(api_key["key"])
            location = await call(
                "POST", f"/api/v1/agencies/{agency['id']}/locations", json={"name": "Shop"}
            )
            subscription = await call(
                "POST",
                f"/api/v1/locations/{location['id']}/trigger-subscriptions",
                json={"url": "http://127.0.0.1:9/hook", "events": ["order_submitted"]},
            )
            seen["secrets"].append(subscription["secret"])
            started = await call(
                "POST",
                f"/api/v1/locations/{location['id']}/woocommerce",
                json={"store_url": sim.base_url},
            )
            connection_id = started["id"]
            await call(
                "POST",
                f"/api/v1/connections/{connection_id}/credentials",
                json={"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET},
            )
            entities = {"contacts": True, "orders": True, "transactions": True}
            await call("PUT", f"/api/v1/connections/{connection_id}/import", json=entities)
            sync = {**entities, "order_submitted_trigger": True, "payment_received_trigger": True}
            await call("PUT", f"/api/v1/connections/{connection_id}/sync", json=sync)
            await call("POST", f"/api/v1/connections/{connection_id}/activate")
            for _ in range(200):
                connection = await call("GET", f"/api/v1/connections/{connection_id}")
                imports = connection["imports"]
                if imports and all(i["status"] in {"completed", "failed"} for i in imports):
                    break
                await asyncio.sleep(0.05)
            order = store.create_order(billing={"email": "guest@example.com"}, paid=True)
            await sim.wait_for_deliveries(1, within=5)
            store.add_refund(order.id, "1.00")
            await sim.wait_for_deliveries(2, within=5)
            await asyncio.sleep(1.0)
            seen["secrets"].extend(w.secret for w in store.webhooks.values())
            # A second location connects through the key grant: its callback carries keys.
            other = await call(
                "POST", f"/api/v1/agencies/{agency['id']}/locations", json={"name": "Other"}
            )
            granted = await call(
                "POST",
                f"/api/v1/locations/{other['id']}/woocommerce",
                json={"store_url": sim.base_url},
            )
            async with httpx.AsyncClient() as browser:
                assert (await browser.get(granted["authorize_url"])).status_code == 200
            outcome = await sim.approve_key_grant()
            assert outcome.approved, outcome.error
            assert outcome.key is not None
            seen["secrets"] += [outcome.key.consumer_key, outcome.key.consumer_secret]
            seen["connection_id"] = connection_id
            seen["location_id"] = location["id"]
    return seen


async def test_a_wizard_and_import_run_logs_no_secret_and_tags_import_lines_with_their_ids(
    tmp_path: Path, captured: io.StringIO
) -> None:
    secret_key = Fernet.generate_key().decode()
    seen = await _wizard_and_import(tmp_path, secret_key)
    text = captured.getvalue()
    lines = _lines(captured)

    assert lines, "nothing was logged"
    for secret in seen["secrets"]:
        assert secret not in text, f"a secret reached the logs: {secret[:6]}…"
    assert "consumer_secret=" not in text.replace(f"consumer_secret={MASK}", "")
    assert f"oauth_signature={MASK}" in text, "the store requests were not logged"
    import_lines = [line for line in lines if line.get("task") == "imports.run"]
    assert import_lines, "no line was logged while importing"
    for line in import_lines:
        assert line["connection_id"] == seen["connection_id"]
        assert line["location_id"] == seen["location_id"]
        assert line["job_id"] == line["entity_id"]
    request_lines = [line for line in lines if "/webhooks/woocommerce/" in line["message"]]
    assert request_lines
    assert all({"ts", "level", "logger", "message"} <= set(line) for line in lines)


@pytest.mark.parametrize(
    ("raw", "secret"),
    [
        (
            "GET https://shop.test/wp-json/wc/v3/orders"
            "?consumer_key=ck_abc12345&consumer_secret=cs_def67890 200",
            "def67890",
        ),
        ('{"consumer_key": "someKey", "consumer_secret": "someSecret"}', "someSecret"),
        ("Authorization: Bearer wc_admin_abcdefghijkl", "abcdefghijkl"),
        ("headers={'authorization': 'Basic Y2tfYWJjOmNzX2RlZg=='}", "Y2tfYWJjOmNzX2RlZg"),
        ('OAuth oauth_consumer_key="ck_x", oauth_signature="c2lnbmF0dXJl"', "c2lnbmF0dXJl"),
        ("subscribed with secret whsec_0123456789abcdef", "0123456789abcdef"),
        ("agency key wck_AbCdEf0123456789", "AbCdEf0123456789"),
        ("POST /api/v1/woocommerce/callback/s3cr3tState-value 200", "s3cr3tState-value"),
        (f"key {Fernet.generate_key().decode()} loaded", "="),
        ("webhook secret " + "Ab1" * 16, "Ab1Ab1Ab1Ab1"),
    ],
)
def test_redaction_masks_each_kind_of_secret(raw: str, secret: str) -> None:
    masked = redact(raw)

    assert secret not in masked
    assert MASK in masked


def test_redaction_leaves_ordinary_text_and_ids_alone() -> None:
    text = "order 1234 imported for connection 01a21af4-a275-7ca7-a08f-ff4451726830 (key_id=3)"

    assert redact(text) == text


def test_a_line_carries_the_ids_bound_around_it_and_only_inside(captured: io.StringIO) -> None:
    log = logging.getLogger("wooconnect.test")
    with log_context(connection_id="c1", job_id="j1"):
        log.info("inside")
    log.info("outside")

    inside, outside = _lines(captured)[-2:]
    assert inside["connection_id"] == "c1"
    assert inside["job_id"] == "j1"
    assert "connection_id" not in outside


def test_an_exception_is_logged_in_one_json_line_with_its_traceback_redacted(
    captured: io.StringIO,
) -> None:
    try:
        raise ValueError("store refused consumer_secret=cs_leaked12345")
    except ValueError:
        logging.getLogger("wooconnect.test").exception("it failed")

    line = _lines(captured)[-1]
    assert line["level"] == "error"
    assert "ValueError" in line["exception"]
    assert "cs_leaked12345" not in captured.getvalue()


def test_auto_is_text_on_a_terminal_and_json_otherwise() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert resolve_format("auto", Tty()) == "text"
    assert resolve_format("auto", io.StringIO()) == "json"
    assert resolve_format("text", io.StringIO()) == "text"


def test_text_lines_show_the_ids_after_the_message() -> None:
    stream = io.StringIO()
    handler = configure_logging("text", stream=stream)
    try:
        with log_context(connection_id="c9"):
            logging.getLogger("wooconnect.test").warning("webhooks unhealthy")
    finally:
        logging.getLogger().removeHandler(handler)

    assert "WARNING" in stream.getvalue()
    assert "webhooks unhealthy  [connection_id=c9]" in stream.getvalue()


def test_while_a_key_is_replaced_each_of_the_keys_is_masked() -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    masked = service_secrets("wc_admin_token", f"{new},{old}")
    line = redact(f"tried {old} then {new}; admin wc_admin_token", masked)
    assert new not in line
    assert old not in line
    assert "wc_admin_token" not in line
    assert service_secrets(None, None) == ()

"""The adapter against what a real WooCommerce 10.0.2 store sent (tests/fixtures), and the
simulator's shapes against the same captures."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.woocommerce.conftest import access_for, http_client_for
from wooconnect.adapters.woocommerce import decode
from wooconnect.adapters.woocommerce.decode import (
    decode_customer_payload,
    decode_deleted_payload,
    decode_order_payload,
)
from wooconnect.adapters.woocommerce.keygrant import decode_key_grant
from wooconnect.adapters.woocommerce.signatures import sign_webhook_body, verify_webhook_signature
from wooconnect.adapters.woocommerce.simulator import RunningSimulator
from wooconnect.adapters.woocommerce.transport import raise_for_store_error
from wooconnect.app.errors import UpstreamRejected, UpstreamRequestInvalid

SECRET = "realwoo-webhook-secret"


def _headers(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()[1:]
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def _deliveries(fixtures_dir: Path) -> list[Path]:
    found = sorted((fixtures_dir / "webhooks").glob("delivery_*.body"))
    assert found, "no captured deliveries"
    return found


def test_every_captured_customer_decodes(fixtures_dir: Path) -> None:
    for name in ("customers_role_all.json", "customers_default_role_page2.json"):
        items, errors = decode.decode_records(
            (fixtures_dir / name).read_bytes(), decode.CUSTOMER_STRUCT, decode.to_customer
        )
        assert errors == []
        assert items
    everyone, _ = decode.decode_records(
        (fixtures_dir / "customers_role_all.json").read_bytes(),
        decode.CUSTOMER_STRUCT,
        decode.to_customer,
    )
    assert {c.role for c in everyone} == {"administrator", "customer", "subscriber"}
    admin = next(c for c in everyone if c.role == "administrator")
    assert admin.date_modified_gmt is None
    assert admin.date_created_gmt is not None
    assert admin.date_created_gmt.utcoffset() is not None


def test_every_captured_order_decodes_with_money_and_positive_refunds(fixtures_dir: Path) -> None:
    orders, errors = decode.decode_records(
        (fixtures_dir / "orders_all.json").read_bytes(), decode.ORDER_STRUCT, decode.to_order
    )
    assert errors == []
    assert len(orders) == 13
    by_id = {o.id: o for o in orders}
    assert by_id[17].total == Decimal("23.97")
    assert by_id[20].refunds[0].amount == Decimal("12.50")
    assert by_id[24].refunds[0].amount == Decimal("7.99")
    assert by_id[21].is_guest
    assert not by_id[15].is_guest
    assert by_id[17].date_paid_gmt is None
    assert {o.status for o in orders} >= {
        "pending",
        "processing",
        "on-hold",
        "completed",
        "cancelled",
        "refunded",
        "failed",
    }


def test_every_captured_refund_decodes_positive_with_its_order(fixtures_dir: Path) -> None:
    refunds, errors = decode.decode_records(
        (fixtures_dir / "refunds_all.json").read_bytes(), decode.REFUND_STRUCT, decode.to_refund
    )
    assert errors == []
    assert {(r.id, r.order_id, r.amount) for r in refunds} == {
        (28, 24, Decimal("7.99")),
        (27, 20, Decimal("12.50")),
    }


def test_every_captured_delivery_decodes(fixtures_dir: Path) -> None:
    for body_path in _deliveries(fixtures_dir):
        body = body_path.read_bytes()
        topic = _headers(body_path.with_suffix(".headers.txt"))["X-WC-Webhook-Topic"]
        if topic.endswith(".deleted"):
            assert decode_deleted_payload(body) == 19
        elif topic.startswith("order."):
            assert decode_order_payload(body).id in {16, 29}
        else:
            assert decode_customer_payload(body).email.endswith("@example.test")
    updated = decode_customer_payload(
        (fixtures_dir / "webhooks" / "delivery_customer_updated.body").read_bytes()
    )
    assert updated.last_name == "Updated-Ünïcode/ß"
    refunded = decode_order_payload(
        (fixtures_dir / "webhooks" / "delivery_order_updated_after_refund.body").read_bytes()
    )
    assert refunded.refunds[0].amount == Decimal("1.00")


def test_every_captured_delivery_signature_verifies_from_the_raw_bytes(fixtures_dir: Path) -> None:
    for body_path in _deliveries(fixtures_dir):
        body = body_path.read_bytes()
        header = _headers(body_path.with_suffix(".headers.txt"))["X-WC-Webhook-Signature"]
        assert verify_webhook_signature(body, header, SECRET), body_path.name
        assert sign_webhook_body(body, SECRET) == header


def test_a_single_tampered_byte_fails_verification(fixtures_dir: Path) -> None:
    for body_path in _deliveries(fixtures_dir):
        body = bytearray(body_path.read_bytes())
        header = _headers(body_path.with_suffix(".headers.txt"))["X-WC-Webhook-Signature"]
        body[len(body) // 2] ^= 0x01
        assert not verify_webhook_signature(bytes(body), header, SECRET), body_path.name


def test_a_reserialised_body_does_not_verify(fixtures_dir: Path) -> None:
    path = fixtures_dir / "webhooks" / "delivery_customer_updated.body"
    header = _headers(path.with_suffix(".headers.txt"))["X-WC-Webhook-Signature"]
    reserialised = json.dumps(json.loads(path.read_bytes()), separators=(",", ":")).encode()
    assert not verify_webhook_signature(reserialised, header, SECRET)


def test_pings_carry_no_signature_and_never_verify(fixtures_dir: Path) -> None:
    for ping in sorted((fixtures_dir / "webhooks").glob("ping_*.body")):
        headers = _headers(ping.with_suffix(".headers.txt"))
        assert "X-WC-Webhook-Signature" not in headers
        assert ping.read_bytes().startswith(b"webhook_id=")
        assert not verify_webhook_signature(ping.read_bytes(), None, SECRET)
    assert not verify_webhook_signature(b"{}", "", SECRET)
    assert not verify_webhook_signature(b"{}", "not base64 ünicode", SECRET)


def test_the_captured_key_grant_callback_decodes_with_a_string_user_id(fixtures_dir: Path) -> None:
    grant = decode_key_grant((fixtures_dir / "webhooks" / "wc_auth_callback.body").read_bytes())
    assert grant.user_id == "tenant-42"
    assert grant.key_id == 3
    assert grant.consumer_key.startswith("ck_")
    assert grant.consumer_secret.startswith("cs_")
    assert grant.key_permissions == "read_write"


@pytest.mark.parametrize(
    ("name", "status", "error", "code"),
    [
        ("error_no_auth_http", 401, UpstreamRejected, "woocommerce_rest_cannot_view"),
        ("error_wrong_secret", 401, UpstreamRejected, "woocommerce_rest_authentication_error"),
        ("error_no_route", 404, UpstreamRejected, "rest_no_route"),
        ("error_order_not_found", 404, UpstreamRejected, "woocommerce_rest_shop_order_invalid_id"),
        ("error_per_page_too_large", 400, UpstreamRequestInvalid, "rest_invalid_param"),
    ],
)
def test_captured_errors_map_to_app_errors(
    fixtures_dir: Path, name: str, status: int, error: type[Exception], code: str
) -> None:
    body = (fixtures_dir / f"{name}.json").read_bytes()
    with pytest.raises(error) as caught:
        raise_for_store_error(httpx.Response(status, content=body))
    if isinstance(caught.value, UpstreamRejected):
        assert caught.value.store_code == code
        assert caught.value.store_message == json.loads(body)["message"]
    else:
        assert code in str(caught.value)
        assert "per_page must be between 1" in str(caught.value)


def _key_paths(value: Any, lists: frozenset[str], prefix: str = "") -> list[str]:
    """Every key path in order, descending into the first element of the lists named."""
    paths: list[str] = []
    for key, inner in value.items():
        if key == "_links":
            continue  # which links appear depends on the record (e.g. `customer`)
        paths.append(prefix + key)
        if isinstance(inner, dict):
            paths.extend(_key_paths(inner, lists, f"{prefix}{key}."))
        elif key in lists and inner and isinstance(inner[0], dict):
            paths.extend(_key_paths(inner[0], lists, f"{prefix}{key}[]."))
    return paths


async def _sim_get(sim: RunningSimulator, path: str, params: dict[str, str]) -> bytes:
    from wooconnect.adapters.woocommerce.auth import OAuth1Signer
    from wooconnect.domain.connection import StoreCredentials

    access = access_for(sim)
    url = f"{sim.base_url}/wp-json/wc/v3/{path}"
    signer = OAuth1Signer(StoreCredentials(*_pair(access)))
    async with http_client_for(sim) as http:
        response = await http.get(url, params=signer.sign("GET", url, params))
    assert response.status_code == 200, response.text
    return response.content


def _pair(access: Any) -> tuple[str, str]:
    return access.credentials.consumer_key, access.credentials.consumer_secret


@pytest.mark.parametrize(
    ("fixture", "path", "params"),
    [
        ("customers_role_all.json", "customers", {"role": "all"}),
        ("orders_all.json", "orders", {"orderby": "id", "order": "asc"}),
        ("refunds_all.json", "refunds", {}),
    ],
)
async def test_the_simulator_answers_with_the_real_shapes(
    simulator: RunningSimulator, fixtures_dir: Path, fixture: str, path: str, params: dict[str, str]
) -> None:
    real = json.loads((fixtures_dir / fixture).read_bytes())
    simulated_body = await _sim_get(simulator, path, {**params, "per_page": "100"})
    simulated = json.loads(simulated_body)
    lists = frozenset({"line_items", "refunds"} if path == "orders" else set())
    real_full = next(r for r in real if all(r.get(name) for name in lists))
    sim_full = next(s for s in simulated if all(s.get(name) for name in lists))
    assert _key_paths(sim_full, lists) == _key_paths(real_full, lists)
    # WordPress escapes slashes and non-ASCII the same way in REST bodies.
    assert b"https://" not in simulated_body
    assert b"http://" not in simulated_body


async def test_the_simulators_errors_are_byte_for_byte_the_real_ones(
    simulator: RunningSimulator, fixtures_dir: Path
) -> None:
    from wooconnect.adapters.woocommerce.auth import OAuth1Signer
    from wooconnect.domain.connection import StoreCredentials

    signer = OAuth1Signer(StoreCredentials(*_pair(access_for(simulator))))
    base = f"{simulator.base_url}/wp-json/wc/v3/"
    cases = {
        "error_per_page_too_large.json": ("orders", {"per_page": "101"}),
        "error_order_not_found.json": ("orders/99999", {}),
        "error_no_route.json": ("no-such-thing", {}),
    }
    async with http_client_for(simulator) as http:
        for fixture, (path, params) in cases.items():
            response = await http.get(base + path, params=signer.sign("GET", base + path, params))
            assert response.content == (fixtures_dir / fixture).read_bytes(), fixture

"""Authentication: the OAuth 1.0a signature as WooCommerce recomputes it, and each mode
against the simulator behaving like a real store."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from tests.woocommerce.conftest import access_for, http_client_for, woo_client
from wooconnect.adapters.woocommerce.auth import (
    AuthMode,
    OAuth1Signer,
    choose_auth_mode,
    oauth_base_string,
    oauth_signature,
)
from wooconnect.adapters.woocommerce.simulator import RunningSimulator
from wooconnect.app.errors import UpstreamRejected
from wooconnect.domain.connection import StoreCredentials
from wooconnect.domain.store_url import StoreUrl

VECTOR_URL = "http://127.0.0.1:8080/wp-json/wc/v3/orders"
VECTOR_PARAMS = {
    "per_page": "100",
    "page": "2",
    "status": "any",
    "search": "Zoë & Co~",
    "modified_after": "2026-11-27T01:38:57",
    "oauth_consumer_key": "ck_test",
    "oauth_nonce": "abc123",
    "oauth_signature_method": "HMAC-SHA256",
    "oauth_timestamp": "1795743541",
}
# Written out by hand from WC_REST_Authentication::check_oauth_signature: keys sorted by byte,
# each key and value rawurlencoded, each "k=v" rawurlencoded again, joined by a literal %26.
VECTOR_BASE_STRING = (
    "GET&http%3A%2F%2F127.0.0.1%3A8080%2Fwp-json%2Fwc%2Fv3%2Forders&"
    "modified_after%3D2026-11-27T01%253A38%253A57%26"
    "oauth_consumer_key%3Dck_test%26"
    "oauth_nonce%3Dabc123%26"
    "oauth_signature_method%3DHMAC-SHA256%26"
    "oauth_timestamp%3D1795743541%26"
    "page%3D2%26"
    "per_page%3D100%26"
    "search%3DZo%25C3%25AB%2520%2526%2520Co~%26"
    "status%3Dany"
)


def test_oauth_base_string_matches_the_hand_built_woocommerce_vector() -> None:
    assert oauth_base_string("get", VECTOR_URL, VECTOR_PARAMS) == VECTOR_BASE_STRING


def test_oauth_signature_matches_an_independently_computed_hmac_sha256() -> None:
    expected = base64.b64encode(
        hmac.new(b"cs_secret&", VECTOR_BASE_STRING.encode(), hashlib.sha256).digest()
    ).decode()
    signed = {**VECTOR_PARAMS, "oauth_signature": "ignored when signing"}
    assert oauth_signature("GET", VECTOR_URL, signed, "cs_secret") == expected


def test_every_signed_request_gets_a_fresh_nonce_and_timestamp() -> None:
    nonces = iter(["n1", "n2"])
    clock = iter([1000.0, 1001.0])
    signer = OAuth1Signer(
        StoreCredentials("ck_x", "cs_y"), clock=lambda: next(clock), nonce=lambda: next(nonces)
    )
    first = signer.sign("GET", VECTOR_URL, {"page": "1"})
    second = signer.sign("GET", VECTOR_URL, {"page": "1"})
    assert (first["oauth_nonce"], first["oauth_timestamp"]) == ("n1", "1000")
    assert (second["oauth_nonce"], second["oauth_timestamp"]) == ("n2", "1001")
    assert first["oauth_signature"] != second["oauth_signature"]


def test_the_store_url_chooses_the_mode() -> None:
    https = StoreUrl.parse("https://shop.example.com")
    http = StoreUrl.parse("http://shop.example.com", allow_insecure=True)
    assert choose_auth_mode(http, query_string_auth=False) is AuthMode.OAUTH1
    assert choose_auth_mode(http, query_string_auth=True) is AuthMode.OAUTH1
    assert choose_auth_mode(https, query_string_auth=False) is AuthMode.BASIC
    assert choose_auth_mode(https, query_string_auth=True) is AuthMode.QUERY_STRING


async def test_oauth_over_http_reads_the_store(simulator: RunningSimulator) -> None:
    async with http_client_for(simulator) as http:
        check = await woo_client(http).check_credentials(access_for(simulator))
    assert check.query_string_auth is False
    queries = [q for _, _, q in simulator.store.request_log]
    assert all("oauth_signature=" in q and "consumer_secret" not in q for q in queries)


async def test_basic_over_plain_http_is_ignored_like_a_real_store(
    simulator: RunningSimulator, fixtures_dir: Path
) -> None:
    key = next(iter(simulator.store.api_keys.values()))
    async with http_client_for(simulator) as http:
        response = await http.get(
            f"{simulator.base_url}/wp-json/wc/v3/customers",
            auth=(key.consumer_key, key.consumer_secret),
        )
    assert response.status_code == 401
    assert response.content == (fixtures_dir / "error_no_auth_http.json").read_bytes()


async def test_a_replayed_nonce_and_the_link_next_url_are_refused(
    simulator: RunningSimulator,
) -> None:
    key = next(iter(simulator.store.api_keys.values()))
    signer = OAuth1Signer(StoreCredentials(key.consumer_key, key.consumer_secret))
    url = f"{simulator.base_url}/wp-json/wc/v3/orders"
    params = signer.sign("GET", url, {"per_page": "10", "page": "1"})
    async with http_client_for(simulator) as http:
        first = await http.get(url, params=params)
        assert first.status_code == 200
        next_url = first.headers["Link"].split('>; rel="next"')[0].split("<")[-1]
        followed = await http.get(next_url)
        replayed = await http.get(url, params=params)
    # The next link repeats the used oauth_* parameters, so it can never authenticate.
    assert f"oauth_nonce={params['oauth_nonce']}" in next_url
    assert followed.status_code == 401
    assert followed.json()["code"] == "woocommerce_rest_authentication_error"
    assert replayed.status_code == 401
    assert replayed.json()["message"] == "Invalid nonce - nonce has already been used."


async def test_basic_over_https_reads_the_store(tls_simulator: RunningSimulator) -> None:
    async with http_client_for(tls_simulator) as http:
        check = await woo_client(http).check_credentials(access_for(tls_simulator))
    assert check.query_string_auth is False
    assert all("consumer_key" not in q for _, _, q in tls_simulator.store.request_log)


async def test_a_stripped_authorization_header_is_detected_and_remembered(
    tls_simulator: RunningSimulator,
) -> None:
    tls_simulator.store.faults.strip_authorization = True
    access = access_for(tls_simulator)
    async with http_client_for(tls_simulator) as http:
        client = woo_client(http)
        check = await client.check_credentials(access)
        tls_simulator.store.request_log.clear()
        pages = [page async for page in client.customers(access)]
    assert check.query_string_auth is True
    assert sum(len(p.items) for p in pages) == len(tls_simulator.store.customers)
    # Remembered: no more Basic attempts that fail first.
    assert all("consumer_key=" in q for _, _, q in tls_simulator.store.request_log)


async def test_a_wrong_secret_is_a_permanent_rejection_with_the_store_code(
    tls_simulator: RunningSimulator, fixtures_dir: Path
) -> None:
    access = access_for(tls_simulator)
    wrong = type(access)(
        access.connection_id,
        access.store_url,
        StoreCredentials(access.credentials.consumer_key, "cs_wrong"),
    )
    async with http_client_for(tls_simulator) as http:
        raw = await http.get(
            f"{tls_simulator.base_url}/wp-json/wc/v3/customers",
            auth=(access.credentials.consumer_key, "cs_wrong"),
        )
        with pytest.raises(UpstreamRejected) as caught:
            await woo_client(http).check_credentials(wrong)
    rejected = caught.value
    assert raw.content == (fixtures_dir / "error_wrong_secret.json").read_bytes()
    assert raw.headers["WWW-Authenticate"].startswith('Basic realm="WooCommerce API.')
    assert (rejected.status, rejected.store_code) == (401, "woocommerce_rest_authentication_error")
    assert rejected.store_message == "Consumer secret is invalid."


async def test_revoked_keys_are_rejected_permanently_over_oauth(
    simulator: RunningSimulator,
) -> None:
    access = access_for(simulator)
    simulator.store.revoke_keys()
    async with http_client_for(simulator) as http:
        with pytest.raises(UpstreamRejected) as caught:
            await woo_client(http).check_credentials(access)
    rejected = caught.value
    assert (rejected.status, rejected.store_code) == (401, "woocommerce_rest_authentication_error")
    assert rejected.store_message == "Consumer key is invalid."


async def test_revoked_keys_over_https_are_rejected_as_cannot_view(
    tls_simulator: RunningSimulator,
) -> None:
    access = access_for(tls_simulator)
    tls_simulator.store.revoke_keys()
    async with http_client_for(tls_simulator) as http:
        with pytest.raises(UpstreamRejected) as caught:
            await woo_client(http).check_credentials(access)
    rejected = caught.value
    assert (rejected.status, rejected.store_code) == (401, "woocommerce_rest_cannot_view")
    assert rejected.store_message == "Sorry, you cannot list resources."


async def test_a_read_only_key_cannot_create_webhooks(simulator: RunningSimulator) -> None:
    key = simulator.store.create_api_key(permissions="read")
    access = access_for(simulator)
    read_only = type(access)(
        "conn-ro", access.store_url, StoreCredentials(key.consumer_key, key.consumer_secret)
    )
    async with http_client_for(simulator) as http:
        with pytest.raises(UpstreamRejected) as caught:
            await woo_client(http).create_webhook(
                read_only,
                topic="order.created",
                delivery_url="http://127.0.0.1:9/x",
                secret="abc123",
                name="x",
            )
    assert caught.value.store_message == "The API key provided does not have write permissions."

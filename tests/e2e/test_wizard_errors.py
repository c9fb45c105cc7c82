"""Every error the wizard answers per API.md, over real HTTP: the status, the machine code,
the `fields` or `rules` that say why, and never a 500 or a stack trace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.api import Tenant, bearer, client_tls, ok
from tests.support.service import EMBEDDED, Service, ShiftedClock, running_service
from tests.support.store import approve_key_grant
from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.woocommerce.simulator import (
    RunningSimulator,
    SimulatedStore,
    running_simulator,
)


def refused(answer: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """The error body of `answer`, which must be `status` with machine code `error`."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    body: dict[str, Any] = answer.json()
    assert body["error"] == error, body
    assert isinstance(body["message"], str)
    assert body["message"]
    assert "Traceback" not in answer.text
    return body


@pytest.fixture
def service(tmp_path: Path, clock: ShiftedClock) -> Iterator[Service]:
    """The embedded default over https, on a clock the test can move forward."""

    def use_clock(container: Container) -> None:
        container.clock = clock

    with running_service(
        EMBEDDED, tmp_path, customise=use_clock, tls=True, http_key_grant=False
    ) as running:
        yield running


@pytest.fixture
def sim(store: SimulatedStore, service: Service) -> Iterator[RunningSimulator]:
    """The store trusting the service's certificate (see `https_sim`)."""
    with running_simulator(store) as running:
        assert service.ca_file is not None
        running.trust(service.ca_file)
        yield running


@pytest.fixture
def tenant(service: Service) -> Tenant:
    return service.api.new_tenant("Acme")


def as_the_store(service: Service) -> httpx.Client:
    """A client without a bearer token, as the store (or a browser) calls the service."""
    return httpx.Client(base_url=service.base_url, verify=client_tls(service.ca_file))


def start(http: httpx.Client, location_id: str, url: Any) -> httpx.Response:
    return http.post(f"/api/v1/locations/{location_id}/woocommerce", json={"store_url": url})


def test_a_store_url_with_a_trailing_slash_is_refused_with_the_reason(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    body = refused(
        start(service.http, tenant.location_id, sim.base_url + "/"), 422, "validation_failed"
    )
    assert "trailing slash" in body["fields"]["store_url"]


@pytest.mark.parametrize("url", ["not a url", "shop.example.com", "ftp://shop.example.com", ""])
def test_a_store_url_that_is_not_a_url_is_refused_with_the_reason(
    service: Service, tenant: Tenant, url: str
) -> None:
    body = refused(start(service.http, tenant.location_id, url), 422, "validation_failed")
    assert body["fields"]["store_url"]


def test_plain_http_and_private_addresses_are_refused_unless_the_operator_allows_them(
    tmp_path: Path,
) -> None:
    with running_service(EMBEDDED, tmp_path, allow_private_stores=False) as strict:
        tenant = strict.api.new_tenant("Acme")
        cases = {
            "http://shop.example.com": "https",
            "https://127.0.0.1": "loopback",
            "https://10.1.2.3": "private",
            "https://localhost": "loopback",
        }
        for url, reason in cases.items():
            body = refused(start(strict.http, tenant.location_id, url), 422, "validation_failed")
            assert reason in body["fields"]["store_url"].lower(), (url, body)
            # a developer trying a local store learns what lets it through
            assert "WOOCONNECT_ALLOW_PRIVATE_STORES=true" in body["fields"]["store_url"]
            assert "WOOCONNECT_ALLOW_PRIVATE_STORES=true" in body["message"]


def prove(http: httpx.Client, connection_id: str, sim: RunningSimulator) -> httpx.Response:
    """Keys of the store typed in: the store accepting them proves the connection."""
    key = sim.store.create_api_key()
    return http.post(
        f"/api/v1/connections/{connection_id}/credentials",
        json={"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret},
    )


def test_the_connection_criteria_refuse_with_every_refusing_rule(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    http = service.http
    started = ok(start(http, tenant.location_id, sim.base_url), 201)
    ok(prove(http, started["id"], sim))  # the store is bound to the agency now
    other = service.api.new_tenant("Other agency")
    body = refused(start(http, other.location_id, sim.base_url), 409, "criteria_refused")
    assert [rule["id"] for rule in body["rules"]] == ["store_has_another_agency"]
    assert all(rule["message"] for rule in body["rules"])

    second = service.api.new_location(tenant.agency_id, "Acme Branch")
    elsewhere = sim.base_url.replace("127.0.0.1", "localhost")
    body = refused(start(http, second, elsewhere), 409, "criteria_refused")
    assert [rule["id"] for rule in body["rules"]] == ["agency_has_another_store"]


def test_a_location_with_an_authorized_connection_is_already_connected(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    ok(prove(service.http, started["id"], sim))
    refused(start(service.http, tenant.location_id, sim.base_url), 409, "already_connected")


def test_keys_the_store_refuses_are_not_kept(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    answer = service.http.post(
        f"/api/v1/connections/{started['id']}/credentials",
        json={"consumer_key": "ck_" + "0" * 40, "consumer_secret": "cs_" + "0" * 40},
    )
    refused(answer, 422, "store_rejected_credentials")
    current = ok(service.http.get(f"/api/v1/connections/{started['id']}"))
    assert current["status"] == "awaiting_authorization"


def grant_body(state: str, key: str = "ck_" + "1" * 40) -> dict[str, Any]:
    return {
        "key_id": 1,
        "user_id": state,
        "consumer_key": key,
        "consumer_secret": "cs_" + "1" * 40,
        "key_permissions": "read_write",
    }


def state_of(authorize_url: str) -> str:
    return httpx.URL(authorize_url).params["user_id"]


def test_a_key_grant_callback_with_an_unknown_state_is_not_found(service: Service) -> None:
    with as_the_store(service) as store:
        answer = store.post(
            "/api/v1/woocommerce/callback/no-such-state", json=grant_body("no-such-state")
        )
    refused(answer, 404, "not_found")


def test_a_key_grant_state_is_single_use(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    state = state_of(started["authorize_url"])
    key = sim.store.create_api_key()
    body = {**grant_body(state, key.consumer_key), "consumer_secret": key.consumer_secret}
    path = f"/api/v1/woocommerce/callback/{state}"
    # The store calls back without a bearer token.
    with as_the_store(service) as store:
        ok(store.post(path, json=body))

    again = service.http.post(path, json=body)

    refused(again, 404, "not_found")


def test_a_key_grant_state_expires_with_its_connection(
    service: Service, tenant: Tenant, sim: RunningSimulator, clock: ShiftedClock
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    state = state_of(started["authorize_url"])
    clock.offset = timedelta(hours=2)

    answer = service.http.post(f"/api/v1/woocommerce/callback/{state}", json=grant_body(state))

    refused(answer, 404, "not_found")
    current = ok(service.http.get(f"/api/v1/connections/{started['id']}"))
    assert current["status"] == "disconnected"
    assert "in time" in current["last_error"]
    assert current["authorize_url"] is None


def test_a_key_grant_the_merchant_approves_after_expiry_is_refused_by_the_store(
    service: Service, tenant: Tenant, sim: RunningSimulator, clock: ShiftedClock
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    with httpx.Client() as browser:
        assert (browser.get(started["authorize_url"])).status_code == 200
    clock.offset = timedelta(hours=2)

    outcome = approve_key_grant(sim)

    assert not outcome.approved
    assert sim.store.api_keys == {}, "the store deletes keys the callback did not take"


def test_an_unreadable_key_grant_callback_is_a_bad_request(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    state = state_of(started["authorize_url"])
    answer = service.http.post(
        f"/api/v1/woocommerce/callback/{state}",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    refused(answer, 400, "bad_payload")


def test_a_key_grant_callback_that_is_not_a_key_grant_names_the_field(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    state = state_of(started["authorize_url"])
    answer = service.http.post(
        f"/api/v1/woocommerce/callback/{state}", json={**grant_body(state), "key_id": "one"}
    )
    body = refused(answer, 422, "validation_failed")
    assert body["fields"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/locations/{location}/woocommerce", {}),
        ("POST", "/locations/{location}/woocommerce", {"store_url": 42}),
        ("POST", "/connections/{connection}/credentials", {"consumer_key": "ck_x"}),
        (
            "POST",
            "/connections/{connection}/credentials",
            {"consumer_key": " ", "consumer_secret": ""},
        ),
        (
            "PUT",
            "/connections/{connection}/import",
            {"contacts": "yes", "orders": True, "transactions": True},
        ),
        ("PUT", "/connections/{connection}/import", {"contacts": True}),
        ("PUT", "/connections/{connection}/sync", {"contacts": True}),
        ("PATCH", "/connections/{connection}/sync", {"order_submitted_trigger": "on"}),
    ],
)
def test_invalid_wizard_bodies_are_validation_errors_naming_the_fields(
    service: Service,
    tenant: Tenant,
    sim: RunningSimulator,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    url = "/api/v1" + path.format(location=tenant.location_id, connection=started["id"])

    answer = service.http.request(method, url, json=body)

    assert refused(answer, 422, "validation_failed")["fields"]


def test_activating_before_the_store_granted_access_is_a_conflict(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    answer = service.http.post(f"/api/v1/connections/{started['id']}/activate")
    refused(answer, 409, "not_authorized")


def test_unknown_resources_are_not_found(service: Service, tenant: Tenant) -> None:
    http = service.http
    refused(start(http, "no-such-location", "https://shop.example.com"), 404, "not_found")
    for method, path in [
        ("GET", "/api/v1/connections/no-such-connection"),
        ("POST", "/api/v1/connections/no-such-connection/activate"),
        ("PUT", "/api/v1/connections/no-such-connection/import"),
        ("DELETE", "/api/v1/connections/no-such-connection"),
    ]:
        body = {"contacts": True, "orders": True, "transactions": True} if method == "PUT" else None
        refused(http.request(method, path, json=body), 404, "not_found")


def test_the_wizard_needs_a_valid_token(
    service: Service, tenant: Tenant, sim: RunningSimulator
) -> None:
    started = ok(start(service.http, tenant.location_id, sim.base_url), 201)
    cid = started["id"]
    calls = [
        (
            "POST",
            f"/api/v1/locations/{tenant.location_id}/woocommerce",
            {"store_url": sim.base_url},
        ),
        (
            "POST",
            f"/api/v1/connections/{cid}/credentials",
            {"consumer_key": "a", "consumer_secret": "b"},
        ),
        (
            "PUT",
            f"/api/v1/connections/{cid}/import",
            {"contacts": True, "orders": True, "transactions": True},
        ),
        ("POST", f"/api/v1/connections/{cid}/activate", None),
        ("GET", f"/api/v1/connections/{cid}", None),
        ("DELETE", f"/api/v1/connections/{cid}", None),
    ]
    with as_the_store(service) as anonymous:
        for method, path, body in calls:
            for headers in ({}, bearer("wrong-token"), {"Authorization": "Basic abc"}):
                answer = anonymous.request(method, path, json=body, headers=headers)
                refused(answer, 401, "unauthenticated")
    still = ok(service.http.get(f"/api/v1/connections/{cid}"))
    assert still["status"] == "awaiting_authorization"

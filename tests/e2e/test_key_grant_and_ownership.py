"""Step 1 binds nothing: a store is bound to an agency when it proves the connection (keys it
accepts, or a key grant completed), and a connection awaiting that proof expires. The key
grant as real stores run it: https callbacks only, the merchant's browser returned to a page
of the service, and the pending connection showing its current authorize URL. Over real HTTP
against the simulated store, the service serving https."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.support.api import Api, Tenant, at_once, client_tls, ok
from tests.support.service import EMBEDDED, Service, ShiftedClock, running_service
from tests.support.store import approve_key_grant
from wooconnect.adapters.bootstrap import Container
from wooconnect.adapters.woocommerce.simulator import RunningSimulator


def start(api: Api, tenant: Tenant, store_url: str, status: int = 201) -> dict[str, Any]:
    started: dict[str, Any] = api.call(
        "POST",
        f"/api/v1/locations/{tenant.location_id}/woocommerce",
        status,
        json={"store_url": store_url},
        headers=tenant.headers,
    )
    return started


def prove(api: Api, tenant: Tenant, connection_id: str, sim: RunningSimulator) -> httpx.Response:
    """Keys of the store typed in: the store accepting them proves the connection."""
    key = sim.store.create_api_key()
    return api.http.post(
        f"/api/v1/connections/{connection_id}/credentials",
        json={"consumer_key": key.consumer_key, "consumer_secret": key.consumer_secret},
        headers=tenant.headers,
    )


def browser(service: Service) -> httpx.Client:
    """The merchant's browser: no token; it trusts the service's certificate."""
    return httpx.Client(verify=client_tls(service.ca_file), follow_redirects=False)


# -- ownership before binding ------------------------------------------------------------------


def test_a_pending_connection_blocks_no_other_agency_and_the_first_to_prove_the_store_wins(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    api = https_service.api
    a, b = api.new_tenant("Agency A"), api.new_tenant("Agency B")
    pending_a = start(api, a, https_sim.base_url)

    pending_b = start(api, b, https_sim.base_url)  # typing a URL claims nothing
    ok(prove(api, b, pending_b["id"], https_sim))
    answer = prove(api, a, pending_a["id"], https_sim)

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "criteria_refused"
    assert [rule["id"] for rule in answer.json()["rules"]] == ["store_has_another_agency"]
    loser = api.call("GET", f"/api/v1/connections/{pending_a['id']}", headers=a.headers)
    assert loser["status"] == "awaiting_authorization"
    assert "another agency" in loser["last_error"]
    winner = api.call("GET", f"/api/v1/connections/{pending_b['id']}", headers=b.headers)
    assert winner["status"] == "authorized"
    # Nothing half-bound: the loser's agency may still connect a store of its own.
    other_store = https_sim.base_url.replace("127.0.0.1", "localhost")
    elsewhere = api.new_location(a.agency_id, "Agency A Branch")
    api.call(
        "POST",
        f"/api/v1/locations/{elsewhere}/woocommerce",
        201,
        json={"store_url": other_store},
    )


def test_two_agencies_proving_one_store_at_once_exactly_one_wins(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    api = https_service.api
    a, b = api.new_tenant("Agency A"), api.new_tenant("Agency B")
    pending = {t.agency_id: start(api, t, https_sim.base_url)["id"] for t in (a, b)}

    answers = at_once(*(lambda t=t: prove(api, t, pending[t.agency_id], https_sim) for t in (a, b)))

    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    refused = next(r for r in answers if r.status_code == 409).json()
    assert refused["error"] == "criteria_refused"
    statuses = sorted(api.connection(connection_id)["status"] for connection_id in pending.values())
    assert statuses == ["authorized", "awaiting_authorization"]


def test_a_pending_connection_expires_after_an_hour_and_frees_its_location(
    https_service: Service, https_sim: RunningSimulator, clock: ShiftedClock
) -> None:
    api = https_service.api
    tenant = api.new_tenant("Acme")
    pending = start(api, tenant, https_sim.base_url)
    assert pending["authorization_expires_at"].endswith("Z")

    clock.offset = timedelta(minutes=61)

    expired = api.connection(pending["id"])
    assert expired["status"] == "disconnected"
    assert expired["authorize_url"] is None
    missing = api.http.get(f"/api/v1/locations/{tenant.location_id}/connection")
    assert missing.status_code == 404
    late = prove(api, tenant, pending["id"], https_sim)
    assert late.status_code == 409
    assert late.json()["error"] == "authorization_expired"
    again = start(api, tenant, https_sim.base_url)
    assert again["id"] != pending["id"]
    assert again["status"] == "awaiting_authorization"


# -- the key grant as real stores run it -------------------------------------------------------


def test_without_an_https_public_url_step_one_says_the_key_grant_cannot_work(
    tmp_path: Path, sim: RunningSimulator
) -> None:
    with running_service(EMBEDDED, tmp_path, http_key_grant=False) as service:
        api = service.api
        tenant = api.new_tenant("Acme")

        started = start(api, tenant, sim.base_url)

        assert started["status"] == "awaiting_authorization"
        assert started["authorize_url"] is None
        assert started["key_grant"]["available"] is False
        reason = started["key_grant"]["reason"]
        assert "https" in reason
        assert "by hand" in reason
        assert api.connection(started["id"])["authorize_url"] is None
        authorized = prove(api, tenant, started["id"], sim)  # manual keys still work
        assert ok(authorized)["status"] == "authorized"


def test_the_merchant_returns_from_approving_to_a_page_naming_the_location(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    api = https_service.api
    tenant = api.new_tenant("Acme")
    started = start(api, tenant, https_sim.base_url)
    assert started["key_grant"] == {"available": True, "reason": None}
    with httpx.Client() as store_page:
        assert store_page.get(started["authorize_url"]).status_code == 200

    outcome = approve_key_grant(https_sim)
    assert outcome.approved, outcome.error
    assert outcome.redirect is not None
    with browser(https_service) as merchant:
        page = merchant.get(outcome.redirect)

    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Your store is now connected to Acme HQ" in page.text
    assert "close this tab" in page.text
    assert started["id"] not in page.text
    assert api.connection(started["id"])["status"] == "authorized"


def test_the_merchant_declining_returns_to_a_page_that_says_so(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    api = https_service.api
    tenant = api.new_tenant("Acme")
    started = start(api, tenant, https_sim.base_url)
    with httpx.Client() as store_page:
        screen = store_page.get(started["authorize_url"]).text
    deny = httpx.URL(screen.split('href="')[1].split('"')[0].replace("&amp;", "&"))
    assert deny.params["success"] == "0"

    with browser(https_service) as merchant:
        page = merchant.get(deny)

    assert page.status_code == 200, page.text
    assert "The connection was declined" in page.text
    assert "Acme" not in page.text
    with browser(https_service) as stranger:
        forged = stranger.get(f"{https_service.base_url}/api/v1/woocommerce/return?success=1")
    assert forged.status_code == 404


def test_with_a_return_url_configured_the_merchant_is_sent_there_with_the_outcome(
    tmp_path: Path, sim: RunningSimulator
) -> None:
    def crm_page(container: Container) -> None:
        settings = container.settings
        container.settings = replace(settings, connect_return_url="https://crm.example.com/done")

    with running_service(EMBEDDED, tmp_path, tls=True, customise=crm_page) as service:
        assert service.ca_file is not None
        sim.trust(service.ca_file)
        api = service.api
        started = start(api, api.new_tenant("Acme"), sim.base_url)
        with httpx.Client() as store_page:
            assert store_page.get(started["authorize_url"]).status_code == 200
        outcome = approve_key_grant(sim)
        assert outcome.redirect is not None

        with browser(service) as merchant:
            answer = merchant.get(outcome.redirect)

    assert answer.status_code == 303
    target = httpx.URL(answer.headers["location"])
    assert (target.scheme, target.host, target.path) == ("https", "crm.example.com", "/done")
    assert dict(target.params) == {"connection_id": started["id"], "outcome": "connected"}


def test_a_pending_connection_shows_its_authorize_url_and_step_one_again_refreshes_it(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    api = https_service.api
    tenant = api.new_tenant("Acme")
    first = start(api, tenant, https_sim.base_url)
    assert api.connection(first["id"])["authorize_url"] == first["authorize_url"]
    shown = api.call("GET", f"/api/v1/locations/{tenant.location_id}/connection")
    assert shown["authorize_url"] == first["authorize_url"]

    again = start(api, tenant, https_sim.base_url, status=200)

    assert again["id"] == first["id"]
    assert again["authorize_url"] != first["authorize_url"]
    assert api.connection(first["id"])["authorize_url"] == again["authorize_url"]
    # The fresh URL works: the merchant approves through it.
    with httpx.Client() as store_page:
        assert store_page.get(again["authorize_url"]).status_code == 200
    assert approve_key_grant(https_sim).approved
    authorized = api.connection(first["id"])
    assert authorized["status"] == "authorized"
    assert authorized["authorize_url"] is None
    assert authorized["key_grant"] is None


def test_one_location_starting_twice_at_once_gets_one_connection(
    https_service: Service, https_sim: RunningSimulator
) -> None:
    api = https_service.api
    tenant = api.new_tenant("Acme")

    answers = at_once(
        lambda: api.http.post(
            f"/api/v1/locations/{tenant.location_id}/woocommerce",
            json={"store_url": https_sim.base_url},
        ),
        lambda: api.http.post(
            f"/api/v1/locations/{tenant.location_id}/woocommerce",
            json={"store_url": https_sim.base_url},
        ),
    )

    assert sorted(r.status_code for r in answers) == [200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1

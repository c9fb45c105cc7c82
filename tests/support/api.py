"""The service's public HTTP API as a client uses it: the admin's calls, the connect wizard,
paged lists, and waiting for imports. Nothing here calls the service's use cases."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.store import approve_key_grant
from tests.support.waiting import eventually
from wooconnect.adapters.woocommerce.simulator import RunningSimulator

T = TypeVar("T")

ADMIN_TOKEN = "e2e-admin-token"

ALL_IMPORTS = {"contacts": True, "orders": True, "transactions": True}
NO_IMPORTS = {"contacts": False, "orders": False, "transactions": False}
ALL_SYNC = {
    "contacts": True,
    "orders": True,
    "transactions": True,
    "order_submitted_trigger": True,
    "payment_received_trigger": True,
}
FINISHED_JOB = frozenset({"completed", "failed"})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(answer: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have `status`."""
    assert answer.status_code == status, (
        f"{answer.request.method} {answer.request.url.path}: {answer.status_code} {answer.text}"
    )
    return answer.json() if answer.content else None


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Run the calls concurrently (each in a thread of its own); their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


@dataclass(frozen=True, slots=True)
class Tenant:
    """An agency with one location and an API key of its own."""

    agency_id: str
    location_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.api_key)


@dataclass(frozen=True, slots=True)
class Linked:
    """A location connected to a store."""

    agency_id: str
    location_id: str
    connection_id: str


@dataclass(frozen=True, slots=True)
class LocationData:
    contacts: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    transactions: list[dict[str, Any]]
    triggers: list[dict[str, Any]]


def client_tls(ca_file: Path | None) -> ssl.SSLContext | bool:
    """What a client verifies the service's certificate with: `ca_file` when the service
    serves https with a certificate of its own."""
    return True if ca_file is None else ssl.create_default_context(cafile=str(ca_file))


class Api:
    """The public API at `base_url` (https signed by `ca_file`, when given), called with the
    admin token unless told otherwise."""

    def __init__(self, base_url: str, ca_file: Path | None = None) -> None:
        self.base_url = base_url
        self.ca_file = ca_file
        self.http = httpx.Client(
            base_url=base_url,
            headers=bearer(ADMIN_TOKEN),
            timeout=30,
            verify=client_tls(ca_file),
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """Call `path`; its answer must have status `expect`. Returns the JSON body."""
        return ok(self.http.request(method, path, **kwargs), expect)

    def list_all(self, path: str, **kwargs: Any) -> list[dict[str, Any]]:
        """Every item of a paged list endpoint."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.call("GET", path, params=params, **kwargs)
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return items

    # -- tenancy -------------------------------------------------------------------------------

    def new_tenant(self, name: str) -> Tenant:
        """An agency with one location and an API key of its own (made by the admin)."""
        agency = self.call("POST", "/api/v1/agencies", 201, json={"name": name})
        location = self.call(
            "POST", f"/api/v1/agencies/{agency['id']}/locations", 201, json={"name": f"{name} HQ"}
        )
        key = self.call("POST", f"/api/v1/agencies/{agency['id']}/api-keys", 201)
        return Tenant(agency["id"], location["id"], key["key"])

    def new_location(self, agency_id: str, name: str) -> str:
        location = self.call(
            "POST", f"/api/v1/agencies/{agency_id}/locations", 201, json={"name": name}
        )
        return str(location["id"])

    # -- the wizard ----------------------------------------------------------------------------

    def connect(
        self,
        sim: RunningSimulator,
        location_id: str,
        *,
        key_grant: bool = False,
        keys: tuple[str, str] | None = None,
        imports: Mapping[str, bool] = ALL_IMPORTS,
        sync: Mapping[str, bool] = ALL_SYNC,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The whole wizard: the store URL, access (the WooCommerce key grant, or keys typed
        in: `keys`, or a new key pair of the store), what to import, what to sync, then save.
        Returns the activated connection."""
        extra = dict(headers or {})
        started = self.call(
            "POST",
            f"/api/v1/locations/{location_id}/woocommerce",
            201,
            json={"store_url": sim.base_url},
            headers=extra,
        )
        assert started["status"] == "awaiting_authorization"
        assert started["authorize_url"].startswith(f"{sim.base_url}/wc-auth/v1/authorize?")
        cid = started["id"]
        if key_grant:
            if self.ca_file is not None:
                sim.trust(self.ca_file)  # as a real store trusts the service's certificate
            # The merchant follows authorize_url and approves; the store POSTs the keys back.
            with httpx.Client() as browser:
                screen = browser.get(started["authorize_url"])
            assert screen.status_code == 200, screen.text
            outcome = approve_key_grant(sim)
            assert outcome.approved, outcome.error
            authorized = self.call("GET", f"/api/v1/connections/{cid}", headers=extra)
        else:
            if keys is None:
                key = sim.store.create_api_key()
                keys = (key.consumer_key, key.consumer_secret)
            authorized = self.call(
                "POST",
                f"/api/v1/connections/{cid}/credentials",
                json={"consumer_key": keys[0], "consumer_secret": keys[1]},
                headers=extra,
            )
        assert authorized["status"] == "authorized"
        chosen = self.call(
            "PUT", f"/api/v1/connections/{cid}/import", json=dict(imports), headers=extra
        )
        assert chosen["import"] == dict(imports)
        synced = self.call("PUT", f"/api/v1/connections/{cid}/sync", json=dict(sync), headers=extra)
        assert synced["sync"] == dict(sync)
        active = self.call("POST", f"/api/v1/connections/{cid}/activate", 202, headers=extra)
        assert active["status"] == "active"
        assert active["webhooks"]["registered"] is True
        return dict(active)

    def link(
        self,
        sim: RunningSimulator,
        keys: tuple[str, str] | None = None,
        *,
        imports: Mapping[str, bool] = NO_IMPORTS,
        sync: Mapping[str, bool] = ALL_SYNC,
    ) -> Linked:
        """A new agency and location connected to the store through the wizard (keys typed
        in); returns once the import, if any, has finished."""
        agency = self.call("POST", "/api/v1/agencies", 201, json={"name": "Agency"})
        location = self.new_location(agency["id"], "Shop")
        connection = self.connect(sim, location, keys=keys, imports=imports, sync=sync)
        linked = Linked(agency["id"], location, connection["id"])
        self.wait_for_imports(linked.connection_id)
        return linked

    def connection(self, connection_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", f"/api/v1/connections/{connection_id}")
        return found

    def wait_for_imports(self, connection_id: str) -> dict[str, Any]:
        """Poll the connection until every import job it asked for has finished; returns the
        connection."""
        jobs: list[dict[str, Any]] = []

        def finished() -> dict[str, Any] | None:
            nonlocal jobs
            latest = self.connection(connection_id)
            jobs = latest["imports"]
            asked = any(latest["import"].values())
            done = all(j["status"] in FINISHED_JOB for j in jobs) and (bool(jobs) or not asked)
            return latest if done else None

        # Any change of the jobs (a page done, an attempt failed, a job started) is progress.
        return eventually(
            finished, what="the import has finished", every=0.2, progress=lambda: repr(jobs)
        )

    # -- what a location holds -----------------------------------------------------------------

    def all(self, linked: Linked, kind: str) -> list[dict[str, Any]]:
        """Every item of a location's list (`contacts`, `orders`, `transactions`, ...)."""
        return self.list_all(f"/api/v1/locations/{linked.location_id}/{kind}")

    def location_data(self, location_id: str) -> LocationData:
        base = f"/api/v1/locations/{location_id}"
        return LocationData(
            contacts=self.list_all(f"{base}/contacts"),
            orders=self.list_all(f"{base}/orders"),
            transactions=self.list_all(f"{base}/transactions"),
            triggers=self.list_all(f"{base}/triggers"),
        )

    def deliveries(self, linked: Linked) -> list[dict[str, Any]]:
        """The connection's inbox, newest first."""
        return self.list_all(f"/api/v1/connections/{linked.connection_id}/deliveries")

    def reconcile(self, linked: Linked) -> None:
        self.call("POST", f"/api/v1/connections/{linked.connection_id}/reconcile", 202)

    def patch_sync(self, linked: Linked, **changes: bool) -> dict[str, Any]:
        result: dict[str, Any] = self.call(
            "PATCH", f"/api/v1/connections/{linked.connection_id}/sync", json=changes
        )
        return result

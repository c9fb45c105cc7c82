"""Domain records for tests that need a tenant and its store connection as rows, without going
through the connect wizard's use cases."""

from __future__ import annotations

from datetime import datetime

from wooconnect.domain.connection import Connection, ConnectionStatus, StoreCredentials
from wooconnect.domain.ids import new_id
from wooconnect.domain.store_url import StoreUrl
from wooconnect.domain.tenancy import Agency, Location

SHOP = StoreUrl.parse("https://shop.example.com")
KEYS = StoreCredentials("ck_key", "cs_secret")


def agency_and_location(at: datetime) -> tuple[Agency, Location]:
    agency = Agency(new_id(), "Agency", at)
    return agency, Location(new_id(), agency.id, "Location", at)


def connection_of(
    location: Location,
    at: datetime,
    *,
    store_url: StoreUrl = SHOP,
    credentials: StoreCredentials = KEYS,
    webhook_secret: str | None = None,
    connection_id: str | None = None,
) -> Connection:
    """A connection of `location` whose keys the store accepted at `at`; active with
    `webhook_secret` when one is given, else authorized."""
    connection = Connection(
        id=connection_id or new_id(),
        location_id=location.id,
        agency_id=location.agency_id,
        store_url=store_url,
        status=ConnectionStatus.AWAITING_AUTHORIZATION,
        created_at=at,
        updated_at=at,
    ).authorize(credentials, at)
    return connection if webhook_secret is None else connection.activate(webhook_secret, at)

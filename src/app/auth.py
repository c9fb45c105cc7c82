"""Who is calling: the admin, or an agency through one of its API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from wooconnect.app.errors import NotFound, Unauthenticated
from wooconnect.app.ports.persistence import UnitOfWork
from wooconnect.domain.connection import Connection
from wooconnect.domain.tenancy import Location

API_KEY_PREFIX = "wck_"


@dataclass(frozen=True, slots=True)
class Principal:
    """The admin may do everything; an agency only reaches its own agency's data."""

    agency_id: str | None  # None: the admin

    @property
    def is_admin(self) -> bool:
        return self.agency_id is None

    def require_admin(self) -> None:
        if not self.is_admin:
            # Not 403: an agency key must not learn that admin-only things exist.
            raise NotFound("not found")

    def require_agency(self, agency_id: str, what: str = "agency") -> None:
        """Raise NotFound unless this principal may see `agency_id`'s data."""
        if self.agency_id is not None and self.agency_id != agency_id:
            raise NotFound(f"{what} not found")


ADMIN = Principal(agency_id=None)


async def visible_location(uow: UnitOfWork, principal: Principal, location_id: str) -> Location:
    """The location, when it exists and `principal` may see it; NotFound otherwise."""
    location = await uow.locations.get(location_id)
    if location is None:
        raise NotFound("location not found")
    principal.require_agency(location.agency_id, "location")
    return location


async def visible_connection(
    uow: UnitOfWork, principal: Principal, connection_id: str
) -> Connection:
    """The connection, when it exists and `principal` may see it; NotFound otherwise."""
    connection = await uow.connections.get(connection_id)
    if connection is None:
        raise NotFound("connection not found")
    principal.require_agency(connection.agency_id, "connection")
    return connection


def hash_api_key(key: str) -> str:
    """Keys are long random strings, so one SHA-256 is enough (no password stretching)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


async def authenticate(token: str | None, admin_token: str, uow: UnitOfWork) -> Principal:
    """Resolve a bearer token to a principal; raise `Unauthenticated` otherwise."""
    if not token:
        raise Unauthenticated("a bearer token is required")
    if hmac.compare_digest(token.encode(), admin_token.encode()):
        return ADMIN
    if token.startswith(API_KEY_PREFIX):
        key = await uow.api_keys.find_by_hash(hash_api_key(token))
        if key is not None:
            return Principal(agency_id=key.agency_id)
    raise Unauthenticated("the bearer token is not valid")

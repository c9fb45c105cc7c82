"""Use cases for agencies, their API keys and their locations."""

from __future__ import annotations

from dataclasses import dataclass, replace

from wooconnect.app.auth import Principal, hash_api_key, new_api_key, visible_location
from wooconnect.app.errors import NotFound, ValidationFailed
from wooconnect.app.ports.basics import Clock
from wooconnect.app.ports.persistence import FIRST_PAGE, Page, PageRequest, UnitOfWorkFactory
from wooconnect.domain.ids import new_id
from wooconnect.domain.tenancy import Agency, ApiKey, Location


def _clean_name(name: str, field: str = "name") -> str:
    cleaned = name.strip() if isinstance(name, str) else ""
    if not cleaned:
        raise ValidationFailed(f"{field} must not be empty", {field: "must not be empty"})
    if len(cleaned) > 200:
        raise ValidationFailed(f"{field} is too long", {field: "at most 200 characters"})
    return cleaned


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    id: str
    key: str  # shown once; only its hash is stored


@dataclass(frozen=True, slots=True)
class Tenancy:
    uow: UnitOfWorkFactory
    clock: Clock

    async def create_agency(self, principal: Principal, name: str) -> Agency:
        principal.require_admin()
        agency = Agency(new_id(), _clean_name(name), self.clock.now())
        async with self.uow() as uow:
            await uow.agencies.add(agency)
            await uow.commit()
        return agency

    async def list_agencies(
        self, principal: Principal, page: PageRequest = FIRST_PAGE
    ) -> Page[Agency]:
        """Every agency for the admin; its own for an agency's key."""
        if principal.agency_id is not None:
            own = {**page.filters.equal, "id": principal.agency_id}
            page = page.filtered(replace(page.filters, equal=own))
        async with self.uow() as uow:
            return await uow.agencies.list(page)

    async def get_agency(self, principal: Principal, agency_id: str) -> Agency:
        principal.require_agency(agency_id)
        async with self.uow() as uow:
            agency = await uow.agencies.get(agency_id)
        if agency is None:
            raise NotFound("agency not found")
        return agency

    async def issue_api_key(self, principal: Principal, agency_id: str) -> IssuedApiKey:
        principal.require_admin()
        key = new_api_key()
        async with self.uow() as uow:
            if await uow.agencies.get(agency_id) is None:
                raise NotFound("agency not found")
            record = ApiKey(new_id(), agency_id, hash_api_key(key), key[:10], self.clock.now())
            await uow.api_keys.add(record)
            await uow.commit()
        return IssuedApiKey(record.id, key)

    async def list_api_keys(
        self, principal: Principal, agency_id: str, page: PageRequest = FIRST_PAGE
    ) -> Page[ApiKey]:
        """The agency's API keys: ids and display prefixes, never the keys."""
        principal.require_admin()
        async with self.uow() as uow:
            if await uow.agencies.get(agency_id) is None:
                raise NotFound("agency not found")
            return await uow.api_keys.list_for_agency(agency_id, page)

    async def create_location(self, principal: Principal, agency_id: str, name: str) -> Location:
        principal.require_agency(agency_id)
        location = Location(new_id(), agency_id, _clean_name(name), self.clock.now())
        async with self.uow() as uow:
            if await uow.agencies.get(agency_id) is None:
                raise NotFound("agency not found")
            await uow.locations.add(location)
            await uow.commit()
        return location

    async def list_locations(
        self, principal: Principal, agency_id: str, page: PageRequest = FIRST_PAGE
    ) -> Page[Location]:
        principal.require_agency(agency_id)
        async with self.uow() as uow:
            if await uow.agencies.get(agency_id) is None:
                raise NotFound("agency not found")
            return await uow.locations.list_for_agency(agency_id, page)

    async def get_location(self, principal: Principal, location_id: str) -> Location:
        async with self.uow() as uow:
            return await visible_location(uow, principal, location_id)

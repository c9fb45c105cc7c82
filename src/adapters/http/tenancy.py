"""Agencies, their API keys and their locations."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath, JSONBody

from wooconnect.adapters.http.deps import TENANCY, Asked, Caller, Injected, listing
from wooconnect.adapters.http.guards import ApiController
from wooconnect.adapters.http.paging import created_only, page_of
from wooconnect.adapters.http.schemas import (
    AgencyOut,
    AgencyPage,
    ApiKeyListedOut,
    ApiKeyOut,
    ApiKeyPage,
    LocationOut,
    LocationPage,
    NameIn,
)
from wooconnect.app.tenancy import Tenancy


class TenancyController(ApiController):
    tags = ["tenancy"]
    dependencies = {**TENANCY, **listing(created_only)}

    @post("/agencies", operation_id="createAgency", summary="Create an agency (admin)")
    async def create_agency(
        self, tenancy: Injected[Tenancy], principal: Caller, data: JSONBody[NameIn]
    ) -> AgencyOut:
        return AgencyOut.of(await tenancy.create_agency(principal, data.name))

    @get(
        "/agencies",
        operation_id="listAgencies",
        summary="Agencies the caller may see, newest first",
    )
    async def list_agencies(
        self, tenancy: Injected[Tenancy], principal: Caller, asked: Asked
    ) -> AgencyPage:
        page = await tenancy.list_agencies(principal, asked)
        return page_of(AgencyPage, AgencyOut.of, page)

    @get("/agencies/{agency_id:str}", operation_id="getAgency", summary="One agency")
    async def get_agency(
        self, tenancy: Injected[Tenancy], principal: Caller, agency_id: FromPath[str]
    ) -> AgencyOut:
        return AgencyOut.of(await tenancy.get_agency(principal, agency_id))

    @post(
        "/agencies/{agency_id:str}/api-keys",
        operation_id="createApiKey",
        summary="Issue an agency API key (admin); the key is shown only here",
    )
    async def create_api_key(
        self, tenancy: Injected[Tenancy], principal: Caller, agency_id: FromPath[str]
    ) -> ApiKeyOut:
        issued = await tenancy.issue_api_key(principal, agency_id)
        return ApiKeyOut(issued.id, issued.key)

    @get(
        "/agencies/{agency_id:str}/api-keys",
        operation_id="listApiKeys",
        summary="An agency's API keys (admin), newest first: ids and prefixes, never the keys",
    )
    async def list_api_keys(
        self, tenancy: Injected[Tenancy], principal: Caller, agency_id: FromPath[str], asked: Asked
    ) -> ApiKeyPage:
        page = await tenancy.list_api_keys(principal, agency_id, asked)
        return page_of(ApiKeyPage, ApiKeyListedOut.of, page)

    @post(
        "/agencies/{agency_id:str}/locations",
        operation_id="createLocation",
        summary="Create a location (sub-account)",
    )
    async def create_location(
        self,
        tenancy: Injected[Tenancy],
        principal: Caller,
        agency_id: FromPath[str],
        data: JSONBody[NameIn],
    ) -> LocationOut:
        return LocationOut.of(await tenancy.create_location(principal, agency_id, data.name))

    @get(
        "/agencies/{agency_id:str}/locations",
        operation_id="listLocations",
        summary="An agency's locations, newest first",
    )
    async def list_locations(
        self, tenancy: Injected[Tenancy], principal: Caller, agency_id: FromPath[str], asked: Asked
    ) -> LocationPage:
        page = await tenancy.list_locations(principal, agency_id, asked)
        return page_of(LocationPage, LocationOut.of, page)

    @get("/locations/{location_id:str}", operation_id="getLocation", summary="One location")
    async def get_location(
        self, tenancy: Injected[Tenancy], principal: Caller, location_id: FromPath[str]
    ) -> LocationOut:
        return LocationOut.of(await tenancy.get_location(principal, location_id))

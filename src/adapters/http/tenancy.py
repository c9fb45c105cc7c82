"""Agencies, their API keys and their locations."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from adapters.http.deps import Caller, container_of
from adapters.http.schemas import AgencyOut, ApiKeyOut, LocationOut, NameIn


class TenancyController(Controller):
    path = "/api/v1"
    tags = ["tenancy"]

    @post("/agencies", operation_id="createAgency", summary="Create an agency (admin)")
    async def create_agency(
        self, request: Request[Any, Any, Any], principal: Caller, data: JSONBody[NameIn]
    ) -> AgencyOut:
        agency = await container_of(request).services.tenancy.create_agency(principal, data.name)
        return AgencyOut.of(agency)

    @get("/agencies", operation_id="listAgencies", summary="Agencies the caller may see")
    async def list_agencies(
        self, request: Request[Any, Any, Any], principal: Caller
    ) -> list[AgencyOut]:
        agencies = await container_of(request).services.tenancy.list_agencies(principal)
        return [AgencyOut.of(a) for a in agencies]

    @get("/agencies/{agency_id:str}", operation_id="getAgency", summary="One agency")
    async def get_agency(
        self, request: Request[Any, Any, Any], principal: Caller, agency_id: FromPath[str]
    ) -> AgencyOut:
        agency = await container_of(request).services.tenancy.get_agency(principal, agency_id)
        return AgencyOut.of(agency)

    @post(
        "/agencies/{agency_id:str}/api-keys",
        operation_id="createApiKey",
        summary="Issue an agency API key (admin); the key is shown only here",
    )
    async def create_api_key(
        self, request: Request[Any, Any, Any], principal: Caller, agency_id: FromPath[str]
    ) -> ApiKeyOut:
        issued = await container_of(request).services.tenancy.issue_api_key(principal, agency_id)
        return ApiKeyOut(issued.id, issued.key)

    @post(
        "/agencies/{agency_id:str}/locations",
        operation_id="createLocation",
        summary="Create a location (sub-account)",
    )
    async def create_location(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        agency_id: FromPath[str],
        data: JSONBody[NameIn],
    ) -> LocationOut:
        tenancy = container_of(request).services.tenancy
        return LocationOut.of(await tenancy.create_location(principal, agency_id, data.name))

    @get(
        "/agencies/{agency_id:str}/locations",
        operation_id="listLocations",
        summary="An agency's locations",
    )
    async def list_locations(
        self, request: Request[Any, Any, Any], principal: Caller, agency_id: FromPath[str]
    ) -> list[LocationOut]:
        tenancy = container_of(request).services.tenancy
        return [LocationOut.of(x) for x in await tenancy.list_locations(principal, agency_id)]

    @get("/locations/{location_id:str}", operation_id="getLocation", summary="One location")
    async def get_location(
        self, request: Request[Any, Any, Any], principal: Caller, location_id: FromPath[str]
    ) -> LocationOut:
        tenancy = container_of(request).services.tenancy
        return LocationOut.of(await tenancy.get_location(principal, location_id))

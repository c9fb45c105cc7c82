"""The three-step wizard, the connection itself, re-import and disconnect.

Each use case answers the connection as it read it in the transaction that changed it (a
`ConnectionView`); `connection_out` only translates it.
"""

from __future__ import annotations

import msgspec
from litestar import Response, delete, get, patch, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)

from wooconnect.adapters.http.deps import CONNECTING, QUERIES, Caller, Injected
from wooconnect.adapters.http.guards import ApiController
from wooconnect.adapters.http.schemas import (
    ConnectionOut,
    ConnectionPatch,
    CredentialsIn,
    ImportSelectionIn,
    StoreUrlIn,
    SyncSettingsIn,
    SyncSettingsPatch,
    WebhooksOut,
    iso,
)
from wooconnect.app.connecting import Connecting
from wooconnect.app.queries import ConnectionView, Queries
from wooconnect.domain.connection import ImportSelection


def connection_out(view: ConnectionView) -> ConnectionOut:
    connection = view.connection
    webhooks = WebhooksOut(
        registered=view.webhooks_registered,
        healthy=view.webhooks_registered and connection.last_error is None,
        last_delivery_at=iso(view.last_delivery_at),
    )
    return ConnectionOut.of(
        connection, view.imports, webhooks, view.grant, store_concurrency=view.store_concurrency
    )


class ConnectionController(ApiController):
    tags = ["connections"]
    dependencies = {**CONNECTING, **QUERIES}

    @post(
        "/locations/{location_id:str}/woocommerce",
        operation_id="startConnection",
        summary="Step 1: the store URL; answers the store's authorize URL",
        description=(
            "201 with a new connection awaiting authorization; 200 with the same connection "
            "and a fresh authorize_url when repeated for the store the location waits for."
        ),
        responses={
            HTTP_200_OK: ResponseSpec(ConnectionOut, description="the connection already waiting")
        },
    )
    async def start(
        self,
        connecting: Injected[Connecting],
        principal: Caller,
        location_id: FromPath[str],
        data: JSONBody[StoreUrlIn],
    ) -> Response[ConnectionOut]:
        started = await connecting.start(principal, location_id, data.store_url)
        status = HTTP_201_CREATED if started.created else HTTP_200_OK
        return Response(connection_out(started.view), status_code=status)

    @post(
        "/connections/{connection_id:str}/credentials",
        operation_id="submitCredentials",
        summary="Enter the consumer key and secret by hand (checked against the store)",
        status_code=200,
    )
    async def credentials(
        self,
        connecting: Injected[Connecting],
        principal: Caller,
        connection_id: FromPath[str],
        data: JSONBody[CredentialsIn],
    ) -> ConnectionOut:
        view = await connecting.submit_credentials(
            principal, connection_id, data.consumer_key, data.consumer_secret
        )
        return connection_out(view)

    @put(
        "/connections/{connection_id:str}/import",
        operation_id="setImportSelection",
        summary="Step 2: what to import once",
    )
    async def set_import(
        self,
        connecting: Injected[Connecting],
        principal: Caller,
        connection_id: FromPath[str],
        data: JSONBody[ImportSelectionIn],
    ) -> ConnectionOut:
        selection = ImportSelection(data.contacts, data.orders, data.transactions)
        return connection_out(
            await connecting.set_import_selection(principal, connection_id, selection)
        )

    @put(
        "/connections/{connection_id:str}/sync",
        operation_id="setSyncSettings",
        summary="Step 3: what to keep in sync",
    )
    async def set_sync(
        self,
        connecting: Injected[Connecting],
        principal: Caller,
        connection_id: FromPath[str],
        data: JSONBody[SyncSettingsIn],
    ) -> ConnectionOut:
        changes = {name: getattr(data, name) for name in data.__struct_fields__}
        return connection_out(await connecting.set_sync_settings(principal, connection_id, changes))

    @patch(
        "/connections/{connection_id:str}/sync",
        operation_id="patchSyncSettings",
        summary="Switch sync items on or off for the future",
    )
    async def patch_sync(
        self,
        connecting: Injected[Connecting],
        principal: Caller,
        connection_id: FromPath[str],
        data: JSONBody[SyncSettingsPatch],
    ) -> ConnectionOut:
        return connection_out(
            await connecting.set_sync_settings(principal, connection_id, data.changes())
        )

    @patch(
        "/connections/{connection_id:str}",
        operation_id="updateConnection",
        summary="Change the connection's own settings (store_concurrency: 1 to 16, or null "
        "for the deployment's default)",
    )
    async def update(
        self,
        connecting: Injected[Connecting],
        queries: Injected[Queries],
        principal: Caller,
        connection_id: FromPath[str],
        data: JSONBody[ConnectionPatch],
    ) -> ConnectionOut:
        if isinstance(data.store_concurrency, msgspec.UnsetType):
            return connection_out(await queries.connection(principal, connection_id))
        return connection_out(
            await connecting.set_store_concurrency(principal, connection_id, data.store_concurrency)
        )

    @post(
        "/connections/{connection_id:str}/activate",
        operation_id="activateConnection",
        summary="Save: register webhooks, start the import and the sync",
        status_code=HTTP_202_ACCEPTED,
    )
    async def activate(
        self, connecting: Injected[Connecting], principal: Caller, connection_id: FromPath[str]
    ) -> ConnectionOut:
        return connection_out(await connecting.activate(principal, connection_id))

    @get("/connections/{connection_id:str}", operation_id="getConnection", summary="A connection")
    async def get_connection(
        self, queries: Injected[Queries], principal: Caller, connection_id: FromPath[str]
    ) -> ConnectionOut:
        return connection_out(await queries.connection(principal, connection_id))

    @get(
        "/locations/{location_id:str}/connection",
        operation_id="getLocationConnection",
        summary="The location's live connection",
    )
    async def location_connection(
        self, queries: Injected[Queries], principal: Caller, location_id: FromPath[str]
    ) -> ConnectionOut:
        return connection_out(await queries.live_connection(principal, location_id))

    @post(
        "/connections/{connection_id:str}/imports",
        operation_id="rerunImport",
        summary="Re-run the import of the selected entities",
        status_code=HTTP_202_ACCEPTED,
    )
    async def rerun(
        self, connecting: Injected[Connecting], principal: Caller, connection_id: FromPath[str]
    ) -> ConnectionOut:
        return connection_out(await connecting.rerun_import(principal, connection_id))

    @post(
        "/connections/{connection_id:str}/reconcile",
        operation_id="reconcileConnection",
        summary="Run reconciliation and the webhook health check now",
        status_code=HTTP_202_ACCEPTED,
    )
    async def reconcile(
        self, connecting: Injected[Connecting], principal: Caller, connection_id: FromPath[str]
    ) -> ConnectionOut:
        return connection_out(await connecting.request_reconciliation(principal, connection_id))

    @delete(
        "/connections/{connection_id:str}",
        operation_id="disconnect",
        summary="Disconnect: remove the store's webhooks, keep the data",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def disconnect(
        self, connecting: Injected[Connecting], principal: Caller, connection_id: FromPath[str]
    ) -> None:
        await connecting.disconnect(principal, connection_id)

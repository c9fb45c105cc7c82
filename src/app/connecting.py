"""Connecting a store in three steps (URL, import selection, sync settings), then save."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import timedelta

from wooconnect.app.auth import Principal, visible_connection, visible_location
from wooconnect.app.errors import (
    Conflict,
    CriteriaRefused,
    NotFound,
    StoreRejectedCredentials,
    UpstreamRejected,
    ValidationFailed,
)
from wooconnect.app.importing import schedule_imports
from wooconnect.app.key_grant import KeyGrantLinks
from wooconnect.app.policy import Policy
from wooconnect.app.ports.basics import Clock, JobQueue
from wooconnect.app.ports.persistence import UnitOfWork, UnitOfWorkFactory
from wooconnect.app.ports.store import StoreAccess, StoreClient, StoreDirectory
from wooconnect.app.queries import ConnectionView, ConnectionViews
from wooconnect.app.tasks import RECONCILE_CONNECTION
from wooconnect.app.webhook_health import WebhookHealthCheck
from wooconnect.app.webhooks_registry import WebhookRegistrar
from wooconnect.domain.connection import (
    AUTHORIZATION_EXPIRED,
    Connection,
    ConnectionStatus,
    ImportSelection,
    StoreCredentials,
)
from wooconnect.domain.errors import (
    IllegalTransition,
    InsecureStoreUrl,
    InvalidSetting,
    InvalidStoreUrl,
)
from wooconnect.domain.ids import new_id
from wooconnect.domain.store import KeyGrant
from wooconnect.domain.store_url import StoreUrl
from wooconnect.domain.tenancy import StoreBinding

AUTHORIZATION_TTL = timedelta(hours=1)
_ALPHANUMERIC = string.ascii_letters + string.digits


def new_webhook_secret() -> str:
    """Alphanumeric on purpose: WooCommerce HTML-decodes secrets, breaking `&`, `<`, quotes."""
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(48))


@dataclass(frozen=True, slots=True)
class StartedConnection:
    """Step 1's answer: the connection awaiting authorization; `created` is False when step 1
    was repeated for the store the location was already waiting for."""

    view: ConnectionView
    created: bool

    @property
    def connection(self) -> Connection:
        return self.view.connection

    @property
    def authorize_url(self) -> str | None:
        return None if self.view.grant is None else self.view.grant.authorize_url


@dataclass(frozen=True, slots=True)
class Connecting:
    """`insecure_hint` follows the refusal of a plain-http store URL: how the operator allows
    them (development stores). A connection waits `authorization_ttl` for the store's proof
    after step 1. `on_disconnect(connection_id)` runs once a disconnection is committed (the
    webhook receiver forgets the connection it remembers)."""

    uow: UnitOfWorkFactory
    clock: Clock
    store: StoreClient
    directory: StoreDirectory
    policy: Policy
    queue: JobQueue
    webhooks: WebhookRegistrar
    health: WebhookHealthCheck
    views: ConnectionViews
    grant: KeyGrantLinks
    _: KW_ONLY
    allow_insecure_stores: bool
    insecure_hint: str = ""
    authorization_ttl: timedelta = AUTHORIZATION_TTL
    on_disconnect: Callable[[str], None] = lambda _connection_id: None

    async def _live_connection(
        self, uow: UnitOfWork, principal: Principal, connection_id: str
    ) -> Connection:
        connection = await visible_connection(uow, principal, connection_id)
        self._require_live(connection)
        return connection

    async def _active_connection(
        self, uow: UnitOfWork, principal: Principal, connection_id: str, to: str
    ) -> Connection:
        """The connection, if it is active; `to` says what it could not do otherwise."""
        connection = await visible_connection(uow, principal, connection_id)
        if connection.status is not ConnectionStatus.ACTIVE:
            raise Conflict(
                "not_active", f"a connection that is {connection.status.value} cannot {to}"
            )
        return connection

    async def start(
        self, principal: Principal, location_id: str, raw_url: str
    ) -> StartedConnection:
        """Step 1: validate the store URL, apply the connection criteria to what stores have
        proven so far, and create the connection awaiting authorization, with a fresh grant
        state. Nothing is bound yet: the store binds itself to the agency by proving the
        connection (`submit_credentials`, `accept_key_grant`).

        Repeated for the store the location already waits for, it answers that connection
        with a fresh authorize URL (and a new time to wait); a connection waiting for another
        store, or past its time, gives way to the new one."""
        try:
            url = StoreUrl.parse(raw_url, allow_insecure=self.allow_insecure_stores)
        except InvalidStoreUrl as exc:
            reason = str(exc)
            if isinstance(exc, InsecureStoreUrl) and self.insecure_hint:
                reason = f"{reason} ({self.insecure_hint})"
            raise ValidationFailed(reason, {"store_url": reason}) from None
        await self.directory.check_address(url)
        try:
            return await self._start(principal, location_id, url)
        except Conflict as exc:
            if exc.code != "already_connected":
                raise
            # A concurrent step 1 of this location created its connection first: answer
            # that one if it waits for this store, or refuse as it would have.
            return await self._start(principal, location_id, url)

    async def _start(
        self, principal: Principal, location_id: str, url: StoreUrl
    ) -> StartedConnection:
        now = self.clock.now()
        until = now + self.authorization_ttl
        state = secrets.token_urlsafe(24)
        async with self.uow() as uow:
            location = await visible_location(uow, principal, location_id)
            waiting = await uow.connections.live_for_location(location_id)
            if waiting is not None and waiting.is_proven:
                raise Conflict("already_connected", "this location already has a live connection")
            await self._check_criteria(uow, location.agency_id, url.domain)
            if waiting is not None and waiting.store_url == url and not waiting.is_expired(now):
                connection = waiting.await_authorization_until(until, now)
                await uow.connections.save(connection)
                created = False
            else:
                if waiting is not None:
                    expired = waiting.is_expired(now)
                    await uow.connections.save(
                        waiting.expire(now) if expired else waiting.disconnect(now)
                    )
                connection = Connection(
                    id=new_id(),
                    location_id=location_id,
                    agency_id=location.agency_id,
                    store_url=url,
                    status=ConnectionStatus.AWAITING_AUTHORIZATION,
                    created_at=now,
                    updated_at=now,
                    authorization_expires_at=until,
                )
                await uow.connections.add(connection)
                created = True
            if self.grant.unavailable is None:
                await uow.grants.add(state, connection.id, until)
            view = await self.views.read(uow, connection)
            await uow.commit()
        return StartedConnection(view, created)

    async def _check_criteria(self, uow: UnitOfWork, agency_id: str, domain: str) -> bool:
        """Apply the connection criteria to the proven bindings: raise `CriteriaRefused` when
        they refuse; True when the agency is bound to this store already."""
        agency_binding = await uow.bindings.for_agency(agency_id)
        domain_binding = await uow.bindings.for_domain(domain)
        refusals = self.policy.connection_refusals(
            agency_id=agency_id,
            store_domain=domain,
            agency_domains=[agency_binding.store_domain] if agency_binding else [],
            domain_agencies=[domain_binding.agency_id] if domain_binding else [],
        )
        if refusals:
            raise CriteriaRefused(refusals)
        return agency_binding is not None

    async def _bind(self, uow: UnitOfWork, agency_id: str, domain: str) -> None:
        """The store proved a connection: apply the connection criteria and bind the store to
        the agency, in the unit of work that records the proof.

        Two proofs may read the bindings before either commits; the unique binding makes
        one of them fail to add. That one judges again with what is bound now: refused when
        another agency won the store (or its agency bound another one), allowed when its own
        agency bound this very store in the meantime (another location proving it).
        """
        for _attempt in range(3):
            if await self._check_criteria(uow, agency_id, domain):
                return
            try:
                await uow.bindings.add(StoreBinding(agency_id, domain, self.clock.now()))
            except Conflict:
                continue
            return
        raise Conflict("store_binding_taken", "the store is being connected; try again")

    async def submit_credentials(
        self, principal: Principal, connection_id: str, consumer_key: str, consumer_secret: str
    ) -> ConnectionView:
        """The manual fallback: keys typed in, checked against the store before they are kept."""
        missing = "must not be empty"
        fields = {}
        if not consumer_key.strip():
            fields["consumer_key"] = missing
        if not consumer_secret.strip():
            fields["consumer_secret"] = missing
        if fields:
            raise ValidationFailed("both keys are required", fields)
        credentials = StoreCredentials(consumer_key.strip(), consumer_secret.strip())
        async with self.uow() as uow:
            connection = await visible_connection(uow, principal, connection_id)
        return await self._authorize(connection, credentials)

    async def accept_key_grant(self, state: str, grant: KeyGrant) -> ConnectionView:
        """The store POSTs the keys after the merchant approved; `state` is single-use."""
        if grant.user_id != state:
            raise NotFound("unknown or expired authorization")
        async with self.uow() as uow:
            connection_id = await uow.grants.consume(state, self.clock.now())
            await uow.commit()
        if connection_id is None:
            raise NotFound("unknown or expired authorization")
        async with self.uow() as uow:
            connection = await uow.connections.get(connection_id)
        if connection is None:
            raise NotFound("unknown or expired authorization")
        credentials = StoreCredentials(grant.consumer_key, grant.consumer_secret)
        return await self._authorize(connection, credentials)

    async def _authorize(
        self, connection: Connection, credentials: StoreCredentials
    ) -> ConnectionView:
        """The store proves the connection by accepting the keys. Then, in one transaction,
        the connection criteria judge the bindings proven so far, and the store is bound to
        the agency as the connection is authorized. Refused, nothing is bound and no key is
        kept; the waiting connection says why."""
        self._require_live(connection)
        probe = StoreAccess(connection.id, connection.store_url, credentials)
        try:
            check = await self.store.check_credentials(probe)
        except UpstreamRejected as exc:
            raise StoreRejectedCredentials(
                f"the store refused these keys: {exc.store_message}"
            ) from None
        try:
            async with self.uow() as uow:
                current = await uow.connections.get(connection.id)
                assert current is not None
                self._require_live(current)
                try:
                    updated = current.authorize(credentials, self.clock.now())
                except IllegalTransition as exc:
                    raise Conflict("illegal_state", str(exc)) from None
                await self._bind(uow, current.agency_id, current.store_url.domain)
                updated = replace(updated, query_string_auth=check.query_string_auth)
                await uow.connections.save(updated)
                view = await self.views.read(uow, updated)
                await uow.commit()
        except CriteriaRefused as refused:
            await self._note_refusal(connection.id, refused.message)
            raise
        return view

    async def _note_refusal(self, connection_id: str, reason: str) -> None:
        async with self.uow() as uow:
            current = await uow.connections.get(connection_id)
            if current is not None and current.is_awaiting_authorization:
                await uow.connections.save(current.refused_authorization(reason, self.clock.now()))
                await uow.commit()

    def _require_live(self, connection: Connection) -> None:
        """Refuse a connection that was disconnected, or waited for authorization too long."""
        if connection.is_expired(self.clock.now()):
            raise Conflict("authorization_expired", AUTHORIZATION_EXPIRED)
        if not connection.is_live:
            raise Conflict("disconnected", "this connection was disconnected")

    async def set_import_selection(
        self, principal: Principal, connection_id: str, selection: ImportSelection
    ) -> ConnectionView:
        async with self.uow() as uow:
            connection = await self._live_connection(uow, principal, connection_id)
            updated = connection.with_import_selection(selection, self.clock.now())
            await uow.connections.save(updated)
            view = await self.views.read(uow, updated)
            await uow.commit()
        return view

    async def set_sync_settings(
        self, principal: Principal, connection_id: str, changes: dict[str, bool]
    ) -> ConnectionView:
        """Replace or patch the sync settings; they take effect for the next delivery."""
        async with self.uow() as uow:
            connection = await self._live_connection(uow, principal, connection_id)
            settings = replace(connection.sync_settings, **changes)
            updated = connection.with_sync_settings(settings, self.clock.now())
            await uow.connections.save(updated)
            view = await self.views.read(uow, updated)
            await uow.commit()
        if updated.status is ConnectionStatus.ACTIVE:
            # Best effort: the health check on the reconciliation schedule finishes the job.
            await self.health.heal(updated.id)
        return view

    async def set_store_concurrency(
        self, principal: Principal, connection_id: str, concurrency: int | None
    ) -> ConnectionView:
        """The most requests in flight to the store (None: the deployment's default); the
        store's next request follows it."""
        async with self.uow() as uow:
            connection = await self._live_connection(uow, principal, connection_id)
            try:
                updated = connection.with_store_concurrency(concurrency, self.clock.now())
            except InvalidSetting as exc:
                raise ValidationFailed(str(exc), {exc.name: exc.why}) from None
            await uow.connections.save(updated)
            view = await self.views.read(uow, updated)
            await uow.commit()
        return view

    async def activate(self, principal: Principal, connection_id: str) -> ConnectionView:
        """Save: register the store's webhooks, then start the import and the sync."""
        async with self.uow() as uow:
            connection = await visible_connection(uow, principal, connection_id)
        if connection.status is not ConnectionStatus.AUTHORIZED:
            raise Conflict(
                "not_authorized"
                if connection.status is ConnectionStatus.AWAITING_AUTHORIZATION
                else "illegal_state",
                f"a connection that is {connection.status.value} cannot be activated",
            )
        secret = new_webhook_secret()
        activated = connection.activate(secret, self.clock.now())
        await self.webhooks.register(activated)
        async with self.uow() as uow:
            current = await uow.connections.get(connection_id)
            if current is None or current.status is not ConnectionStatus.AUTHORIZED:
                raise Conflict("illegal_state", "the connection changed while it was activated")
            await uow.connections.save(activated)
            await schedule_imports(uow, self.queue, activated, self.clock.now())
            view = await self.views.read(uow, activated)
            await uow.commit()
        return view

    async def rerun_import(self, principal: Principal, connection_id: str) -> ConnectionView:
        async with self.uow() as uow:
            connection = await self._active_connection(uow, principal, connection_id, "import")
            jobs = await uow.import_jobs.list_for_connection(connection_id)
            if any(not job.is_finished for job in jobs):
                raise Conflict("import_running", "an import is still running for this connection")
            await schedule_imports(uow, self.queue, connection, self.clock.now())
            view = await self.views.read(uow, connection)
            await uow.commit()
        return view

    async def request_reconciliation(
        self, principal: Principal, connection_id: str
    ) -> ConnectionView:
        """Reconcile with the store and check its webhooks now, in the background (the same
        task the schedule runs). Asked for by a person, it reads every customer again, not
        only those registered since the last one."""
        async with self.uow() as uow:
            connection = await self._active_connection(uow, principal, connection_id, "reconcile")
            connection = connection.sweep_customers_next()
            await uow.connections.save(connection)
            view = await self.views.read(uow, connection)
            await uow.commit()
        await self.queue.enqueue(RECONCILE_CONNECTION, connection_id)
        return view

    async def disconnect(self, principal: Principal, connection_id: str) -> None:
        """Unlink the store: its webhooks are removed (best effort), the data is kept."""
        async with self.uow() as uow:
            connection = await visible_connection(uow, principal, connection_id)
            if not connection.is_live:
                return
            gone = connection.disconnect(self.clock.now())
            await uow.connections.save(gone)
            # The binding stays while another location's proven connection holds it.
            others = [
                c
                for c in await uow.connections.list_live_for_agency(connection.agency_id)
                if c.id != connection.id
                and c.is_proven
                and c.store_url.domain == connection.store_url.domain
            ]
            if connection.is_proven and not others:
                await uow.bindings.remove(connection.agency_id)
            await uow.commit()
        self.on_disconnect(connection.id)
        await self.webhooks.remove(connection)

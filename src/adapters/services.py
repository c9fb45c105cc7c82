"""The use cases, wired to the adapters the container owns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from wooconnect.adapters.persistence.inbox_batcher import (
    InboxBatcher,
    InboxWriter,
    UnitOfWorkInboxWriter,
)
from wooconnect.adapters.settings import ALLOW_PRIVATE_STORES_HINT
from wooconnect.adapters.triggers import HttpxWebhookSender
from wooconnect.app.applying import Applier
from wooconnect.app.connecting import Connecting
from wooconnect.app.importing import ImportRunner
from wooconnect.app.key_grant import KeyGrantLinks
from wooconnect.app.live_sync import LiveSync
from wooconnect.app.policy import Policy
from wooconnect.app.ports.basics import Clock, JobQueue
from wooconnect.app.ports.persistence import UnitOfWorkFactory
from wooconnect.app.ports.rules import RuleSource
from wooconnect.app.ports.store import StoreClient, StoreDirectory, WebhookCodec
from wooconnect.app.ports.subscriptions import WebhookSender
from wooconnect.app.queries import ConnectionViews, Queries
from wooconnect.app.receiving import Handover, Receiving
from wooconnect.app.reconciliation_schedule import ReconciliationSchedule
from wooconnect.app.subscriptions import Subscriptions
from wooconnect.app.tenancy import Tenancy
from wooconnect.app.webhook_health import WebhookHealthCheck
from wooconnect.app.webhooks_registry import WebhookRegistrar


@dataclass(frozen=True, slots=True)
class Services:
    tenancy: Tenancy
    connecting: Connecting
    # Run by the workers: `sync.reconcile` heals the webhooks after the reconciliation; the
    # scheduler enqueues it for the connections `reconciliation_schedule.due(...)` names.
    webhook_health: WebhookHealthCheck
    reconciliation_schedule: ReconciliationSchedule
    queries: Queries
    importer: ImportRunner
    webhooks: WebhookRegistrar
    policy: Policy
    applier: Applier
    receiving: Receiving
    live_sync: LiveSync
    # Workflow subscribers. `subscriptions.fanout` is the live sync's `TriggerFanout`; the
    # workers run `subscriptions.deliver(delivery_id)` for `triggers.deliver` and
    # `subscriptions.retry_due()` periodically.
    subscriptions: Subscriptions


def build_services(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    store: StoreClient,
    directory: StoreDirectory,
    codec: WebhookCodec,
    rules: RuleSource,
    queue: JobQueue,
    public_url: str,
    allow_private_stores: bool,
    allow_http_key_grant: bool = False,
    authorization_ttl_s: int = 3600,
    import_concurrency: int | None = None,
    trigger_sender: WebhookSender | None = None,
    inbox_writer: InboxWriter | None = None,
) -> Services:
    """Wire the use cases. Without `trigger_sender`, deliveries to workflow subscribers go out
    through a webhook sender with a client of its own per delivery. `allow_http_key_grant`
    offers the key grant over a plain-http public URL (a development store that takes http
    callbacks); a connection waits `authorization_ttl_s` for the store's proof."""
    policy = Policy(rules)
    subscriptions = Subscriptions(
        uow,
        clock,
        queue,
        trigger_sender or HttpxWebhookSender(allow_private=allow_private_stores),
        allow_insecure=allow_private_stores,
    )
    applier = Applier(policy, clock)
    webhooks = WebhookRegistrar(store, public_url)
    handover = Handover(uow, queue)
    intake = InboxBatcher(inbox_writer or UnitOfWorkInboxWriter(uow), handover.send_many)
    receiving = Receiving(uow, clock, codec, intake, handover)
    webhook_health = WebhookHealthCheck(uow, clock, webhooks)
    grant = KeyGrantLinks(directory, public_url, allow_http=allow_http_key_grant)
    views = ConnectionViews(clock, grant)
    return Services(
        tenancy=Tenancy(uow, clock),
        connecting=Connecting(
            uow,
            clock,
            store,
            directory,
            policy,
            queue,
            webhooks,
            webhook_health,
            views,
            grant,
            allow_insecure_stores=allow_private_stores,
            insecure_hint=ALLOW_PRIVATE_STORES_HINT,
            authorization_ttl=timedelta(seconds=authorization_ttl_s),
            on_disconnect=receiving.forget,
        ),
        webhook_health=webhook_health,
        reconciliation_schedule=ReconciliationSchedule(uow, clock),
        queries=Queries(uow, views, codec),
        importer=ImportRunner(uow, clock, store, applier, queue, concurrency=import_concurrency),
        webhooks=webhooks,
        policy=policy,
        applier=applier,
        receiving=receiving,
        live_sync=LiveSync(uow, clock, store, codec, policy, applier, subscriptions.fanout),
        subscriptions=subscriptions,
    )

"""The shapes the console reads from the HTTP API, decoded with msgspec.

Every struct ignores fields it does not know and defaults the ones the API may leave out, so a
service that adds fields (the contract allows it) never breaks the console. Timestamps stay
strings: the console only shows them, and a malformed one must not make a whole page fail.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Agency(msgspec.Struct, frozen=True, kw_only=True):
    """A CRM agency (it owns locations)."""

    id: str
    name: str
    created_at: str | None = None


class Location(msgspec.Struct, frozen=True, kw_only=True):
    """A CRM sub-account; it connects at most one live store."""

    id: str
    agency_id: str
    name: str
    created_at: str | None = None


class ImportSelection(msgspec.Struct, frozen=True, kw_only=True):
    """What the connection imports once (step 2 of connecting)."""

    contacts: bool = False
    orders: bool = False
    transactions: bool = False


class SyncSettings(msgspec.Struct, frozen=True, kw_only=True):
    """What the connection keeps in sync (step 3); each item can be switched at any time."""

    contacts: bool = False
    orders: bool = False
    transactions: bool = False
    order_submitted_trigger: bool = False
    payment_received_trigger: bool = False


SYNC_ITEMS: tuple[tuple[str, str], ...] = (
    ("contacts", "Contacts"),
    ("orders", "Orders"),
    ("transactions", "Transactions"),
    ("order_submitted_trigger", "Trigger: order submitted"),
    ("payment_received_trigger", "Trigger: payment received"),
)
"""The sync settings in the order the console lists them, with their labels."""


class ImportJob(msgspec.Struct, frozen=True, kw_only=True):
    """The progress of importing one entity; `total` is unknown until the store reports it."""

    entity: str
    status: str
    id: str | None = None
    total: int | None = None
    done: int = 0
    skipped: int = 0
    failed: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    last_error: str | None = None

    @property
    def processed(self) -> int:
        """Records the import has finished with, whatever their outcome."""
        return self.done + self.skipped + self.failed


class WebhookHealth(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the store's webhooks exist and deliver. `registered` may be a flag or a count."""

    registered: bool | int | None = None
    healthy: bool | None = None
    last_delivery_at: str | None = None


class Connection(msgspec.Struct, frozen=True, kw_only=True):
    """One location's link to one WooCommerce store."""

    id: str
    location_id: str
    agency_id: str | None = None
    store_url: str
    status: str
    import_: ImportSelection = msgspec.field(default_factory=ImportSelection, name="import")
    sync: SyncSettings = msgspec.field(default_factory=SyncSettings)
    imports: list[ImportJob] = msgspec.field(default_factory=list)
    webhooks: WebhookHealth = msgspec.field(default_factory=WebhookHealth)
    last_error: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    authorize_url: str | None = None

    @property
    def store_domain(self) -> str:
        """The store's host name, the way support engineers search for a store."""
        without_scheme = self.store_url.split("://", 1)[-1]
        return without_scheme.split("/", 1)[0]


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One webhook delivery the store sent, as kept in the inbox. `status` is pending, applied,
    ignored, invalid (signed but unreadable) or failed; `outcome` says in a sentence what
    processing did. `resource_id` is the store's internal id; `order_number` the number the
    store shows people, for orders."""

    id: str | int
    topic: str | None = None
    resource: str | None = None
    resource_id: str | int | None = None
    order_number: str | None = None
    status: str | None = None
    outcome: str | None = None
    received_at: str | None = None
    processed_at: str | None = None


class TriggerEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A workflow trigger fired for an order; `delivery_state` tells whether subscribers got it.
    `order_id` is the CRM order's id; `order_number` the number the store shows people."""

    id: str
    type: str
    order_id: str | None = None
    order_number: str | None = None
    contact_id: str | None = None
    created_at: str | None = None
    delivery_state: str | None = None


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """An agency API key as lists show it: its first characters, never the key."""

    id: str
    prefix: str = ""
    created_at: str | None = None


class SubscriptionDeliveries(msgspec.Struct, frozen=True, kw_only=True):
    """How a subscription's deliveries of trigger events went, counted by state."""

    pending: int = 0
    delivered: int = 0
    failed: int = 0
    last_attempt_at: str | None = None
    last_status_code: int | None = None
    last_error: str | None = None


class TriggerSubscription(msgspec.Struct, frozen=True, kw_only=True):
    """A workflow subscriber: the URL a location's trigger events are POSTed to."""

    id: str
    url: str
    events: list[str] = msgspec.field(default_factory=list)
    created_at: str | None = None
    deliveries: SubscriptionDeliveries = msgspec.field(default_factory=SubscriptionDeliveries)


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """A rule outcome about one record. `trace` stays raw: `trace.parse_trace` reads it."""

    record_type: str
    record_id: str | int
    rule_set: str
    decision: Any = None
    trace: Any = None
    created_at: str | None = None
    outcome: str | None = None
    id: str | None = None
    rule_set_version: str | None = None


class RuleExample(msgspec.Struct, frozen=True, kw_only=True):
    """A sample record a rule set ships with, to start an explanation from."""

    name: str = ""
    facts: Any = None


class FactSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A fact a rule set reads: its dotted name, type and meaning."""

    name: str
    type: str = ""
    nullable: bool = False
    description: str | None = None


class RuleSet(msgspec.Struct, frozen=True, kw_only=True):
    """A loaded rule set; `agency_id` is set when it is an agency's own version of a default
    set. `rules` may be the rules themselves or just their count."""

    id: str
    kind: str = ""
    file: str = ""
    rules: Any = None
    version: str | None = None
    hit_policy: str | None = None
    description: str | None = None
    agency_id: str | None = None
    facts: list[FactSpec] = msgspec.field(default_factory=list)
    examples: list[RuleExample] = msgspec.field(default_factory=list)

    @property
    def key(self) -> str:
        """Unique among the loaded sets: the id, with the agency for an agency's own version."""
        return self.id if self.agency_id is None else f"{self.id}@{self.agency_id}"

    @property
    def rule_count(self) -> int | None:
        """How many rules the set has, when the API says."""
        if isinstance(self.rules, list):
            return len(self.rules)
        if isinstance(self.rules, int):
            return self.rules
        return None


class RulesState(msgspec.Struct, frozen=True, kw_only=True):
    """The rule book the service runs, and what the last reload found wrong."""

    version: str | None = None
    rule_sets: list[RuleSet] = msgspec.field(default_factory=list)
    loaded_at: str | None = None
    checked_at: str | None = None
    errors: list[str] = msgspec.field(default_factory=list)


class Evaluation(msgspec.Struct, frozen=True, kw_only=True):
    """The answer of `POST /rules/evaluate`."""

    decision: Any = None
    trace: Any = None
    outcome: str | None = None
    message: str | None = None


class Page(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a list endpoint; `next_cursor` is None at the end."""

    items: list[Any] = msgspec.field(default_factory=list)
    next_cursor: str | None = None


class DecisionPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a connection's decisions log."""

    items: list[Decision] = msgspec.field(default_factory=list)
    next_cursor: str | None = None

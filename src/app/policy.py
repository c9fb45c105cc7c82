"""The business rules, as the use cases ask them: domain records in, decisions out.

Every question goes to the YAML rule sets through the rule source; this module only turns
records into the facts each rule set declares, and decisions into the values the use cases
need. Nothing here decides anything itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from wooconnect.app.errors import RefusingRule
from wooconnect.app.ports.rules import RuleSetId, RuleSource
from wooconnect.domain.connection import SyncSettings
from wooconnect.domain.crm import CrmOrderStatus
from wooconnect.domain.decisions import DecisionRecord
from wooconnect.domain.ids import new_id
from wooconnect.domain.rules import Evaluation
from wooconnect.domain.store import StoreCustomer, StoreOrder
from wooconnect.domain.timestamps import utc_text


@dataclass(frozen=True, slots=True)
class Ruled:
    """A decision with the evaluation behind it, ready to be logged as a decision record."""

    evaluation: Evaluation

    def record(
        self,
        *,
        connection_id: str,
        record_type: str,
        record_id: str,
        now: datetime,
        outcome: str | None = None,
    ) -> DecisionRecord:
        """The decision about one record; `outcome` says what came of it when that is more
        than the evaluation's own outcome."""
        return DecisionRecord(
            id=new_id(),
            connection_id=connection_id,
            record_type=record_type,
            record_id=record_id,
            rule_set=self.evaluation.rule_set,
            rule_set_version=self.evaluation.version,
            outcome=outcome or self.evaluation.outcome,
            decision=self.evaluation.decision,
            created_at=now,
            trace=self.evaluation.trace.to_dict(),
        )


@dataclass(frozen=True, slots=True)
class Eligibility(Ruled):
    eligible: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class StatusMapping(Ruled):
    status: CrmOrderStatus


@dataclass(frozen=True, slots=True)
class TriggerRuling(Ruled):
    """Whether the trigger rules fire, and whether the connection has the trigger on."""

    fires: bool
    switched_on: bool


@dataclass(frozen=True, slots=True)
class ContactPolicy(Ruled):
    create: bool
    update: bool


class Policy:
    """Asks the rule sets; `agency_id` selects an agency's own version where it has one."""

    def __init__(self, rules: RuleSource) -> None:
        self._rules = rules

    def _evaluate(self, rule_set: str, facts: dict[str, Any], agency_id: str | None) -> Evaluation:
        return self._rules.current().evaluate(rule_set, facts, agency_id=agency_id)

    def connection_refusals(
        self,
        *,
        agency_id: str,
        store_domain: str,
        agency_domains: Iterable[str],
        domain_agencies: Iterable[str],
    ) -> list[RefusingRule]:
        evaluation = self._evaluate(
            RuleSetId.CONNECTION_CRITERIA,
            {
                "agency.id": agency_id,
                "agency.linked_domains": sorted(set(agency_domains)),
                "store.domain": store_domain,
                "store.linked_agencies": sorted(set(domain_agencies)),
            },
            agency_id,
        )
        refusals = evaluation.decision or []
        return [RefusingRule(id=str(r["id"]), message=str(r["message"])) for r in refusals]

    def eligibility(self, customer: StoreCustomer, agency_id: str) -> Eligibility:
        evaluation = self._evaluate(
            RuleSetId.CUSTOMER_ELIGIBILITY,
            {"customer.role": customer.role, "customer.email": customer.email},
            agency_id,
        )
        eligible = evaluation.outcome == "imported"
        return Eligibility(evaluation, eligible, None if eligible else evaluation.message)

    def order_status(self, order: StoreOrder, agency_id: str) -> StatusMapping:
        evaluation = self._evaluate(
            RuleSetId.ORDER_STATUS, {"order.status": order.status}, agency_id
        )
        return StatusMapping(evaluation, CrmOrderStatus(evaluation.decision))

    def is_an_order(self, status: str, agency_id: str) -> bool:
        """False for what is not an order yet (an open checkout, an unplaced draft)."""
        return self._stage(status, agency_id) != "not_an_order"

    def is_paid_status(self, status: str, agency_id: str) -> bool:
        """Whether only a paid order has this store status."""
        return self._stage(status, agency_id) == "paid"

    def _stage(self, status: str, agency_id: str) -> str:
        return str(
            self._evaluate(RuleSetId.ORDER_STAGE, {"order.status": status}, agency_id).decision
        )

    def order_contact(
        self,
        order: StoreOrder,
        *,
        contacts_on: bool,
        orders_on: bool,
        resolved_is_guest: bool | None,
        agency_id: str,
    ) -> ContactPolicy:
        """Whether the order's contact is created and whether it is updated: the guest rules
        (a guest contact is never updated) and the order-contact rules (with contact sync off
        the order's contact is still created) must both allow it."""
        guest = self._evaluate(
            RuleSetId.GUEST_HANDLING,
            {"order.customer_id": order.customer_id, "contact.is_guest": resolved_is_guest},
            agency_id,
        )
        contact = self._evaluate(
            RuleSetId.ORDER_CONTACT,
            {
                "order.is_guest": order.is_guest,
                "sync.contacts": contacts_on,
                "sync.orders": orders_on,
            },
            agency_id,
        )
        g, c = guest.decision, contact.decision
        return ContactPolicy(
            guest,
            create=bool(g["create_contact"]) and bool(c["create_contact"]),
            update=bool(g["update_contact"]) and bool(c["update_contact"]),
        )

    def order_submitted(
        self,
        order: StoreOrder,
        settings: SyncSettings,
        *,
        source: str,
        first_seen: bool,
        agency_id: str,
    ) -> TriggerRuling:
        evaluation = self._evaluate(
            RuleSetId.ORDER_SUBMITTED_TRIGGER,
            {
                "event.source": source,
                "order.first_seen": first_seen,
                "order.status": order.status,
                "sync.order_submitted_trigger": settings.order_submitted_trigger,
            },
            agency_id,
        )
        return TriggerRuling(
            evaluation, evaluation.decision is True, settings.order_submitted_trigger
        )

    def payment_received(
        self,
        order: StoreOrder,
        settings: SyncSettings,
        *,
        source: str,
        was_paid: bool,
        previous_status: str | None,
        agency_id: str,
    ) -> TriggerRuling:
        paid = order.date_paid_gmt
        evaluation = self._evaluate(
            RuleSetId.PAYMENT_RECEIVED_TRIGGER,
            {
                "event.source": source,
                "order.was_paid": was_paid,
                # ISO 8601 with `Z`, as the API writes every timestamp (traces show it).
                "order.date_paid_gmt": None if paid is None else utc_text(paid),
                "order.status": order.status,
                "order.previous_status": previous_status,
                "sync.payment_received_trigger": settings.payment_received_trigger,
            },
            agency_id,
        )
        return TriggerRuling(
            evaluation, evaluation.decision is True, settings.payment_received_trigger
        )

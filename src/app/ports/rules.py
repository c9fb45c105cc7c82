"""Where the rules come from. The use cases ask for the current book on every decision, so a
reload takes effect at the next decision and a decision never mixes two versions."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Protocol

from wooconnect.domain.rules import RuleBook


class RuleSetId(StrEnum):
    """The rule sets the use cases evaluate; a rules directory must define all of them."""

    CONNECTION_CRITERIA = "connection_criteria"
    CUSTOMER_ELIGIBILITY = "customer_eligibility"
    GUEST_HANDLING = "guest_handling"
    ORDER_CONTACT = "order_contact"
    ORDER_STAGE = "order_stage"
    ORDER_STATUS = "order_status"
    ORDER_SUBMITTED_TRIGGER = "order_submitted_trigger"
    PAYMENT_RECEIVED_TRIGGER = "payment_received_trigger"


RULE_SET_IDS: Final = tuple(RuleSetId)


class RuleSource(Protocol):
    """Supplies the rule book in force. `current()` is cheap (a reference read) and the book is
    immutable: evaluate with `rules.current().evaluate("order_status", facts, agency_id=...)`,
    which raises `UnknownRuleSet` or `FactsError` (both `DomainError`s)."""

    def current(self) -> RuleBook: ...

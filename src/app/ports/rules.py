"""Where the rules come from. The use cases ask for the current book on every decision, so a
reload takes effect at the next decision and a decision never mixes two versions."""

from __future__ import annotations

from typing import Final, Protocol

from wooconnect.domain.rules import RuleBook

CONNECTION_CRITERIA: Final = "connection_criteria"
CUSTOMER_ELIGIBILITY: Final = "customer_eligibility"
GUEST_HANDLING: Final = "guest_handling"
ORDER_CONTACT: Final = "order_contact"
ORDER_STAGE: Final = "order_stage"
ORDER_STATUS: Final = "order_status"
ORDER_SUBMITTED_TRIGGER: Final = "order_submitted_trigger"
PAYMENT_RECEIVED_TRIGGER: Final = "payment_received_trigger"

RULE_SET_IDS: Final = (
    CONNECTION_CRITERIA,
    CUSTOMER_ELIGIBILITY,
    GUEST_HANDLING,
    ORDER_CONTACT,
    ORDER_STAGE,
    ORDER_STATUS,
    ORDER_SUBMITTED_TRIGGER,
    PAYMENT_RECEIVED_TRIGGER,
)
"""The rule sets the use cases evaluate; a rules directory must define all of them."""


class RuleSource(Protocol):
    """Supplies the rule book in force. `current()` is cheap (a reference read) and the book is
    immutable: evaluate with `rules.current().evaluate("order_status", facts, agency_id=...)`,
    which raises `UnknownRuleSet` or `FactsError` (both `DomainError`s)."""

    def current(self) -> RuleBook: ...

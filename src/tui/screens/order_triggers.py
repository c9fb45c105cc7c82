"""Why an order fired a trigger or not: the decisions live sync logged about one store order,
read as one sentence per trigger."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from wooconnect.tui.api import ApiError
from wooconnect.tui.context import Context
from wooconnect.tui.models import Decision
from wooconnect.tui.screens.dialog import Dialog
from wooconnect.tui.trace import parse_trace

TRIGGERS = {
    "order_submitted_trigger": "Order submitted",
    "payment_received_trigger": "Payment received",
}
_OUTCOMES = {
    "fired": "fired",
    "already_fired": "not again: it fired for this order before",
    "suppressed": "not fired: the trigger is switched off",
    "not_eligible": "not fired: the rules do not fire it",
}
_NOTHING = (
    "No live-sync decision about order #{number}: live sync has not applied it (order sync "
    "off, no delivery yet, or only imported, and imports never fire triggers)."
)


def explain(number: int, decisions: list[Decision]) -> str:
    """The lines the screen shows for `decisions` about order `number`, oldest first."""
    lines = []
    for decision in reversed(decisions):  # the API lists newest first
        name = TRIGGERS.get(decision.rule_set)
        if name is None and decision.rule_set == "order_status":
            lines.append(f"Status mapped to {decision.decision}")
            continue
        if name is None:
            continue
        trace = parse_trace(decision.trace)
        rule = f" (rule {', '.join(trace.matched)})" if trace is not None and trace.matched else ""
        outcome = decision.outcome or ""
        lines.append(f"{name}: {_OUTCOMES.get(outcome, outcome)}{rule}")
    if not any(d.rule_set in TRIGGERS for d in decisions):
        lines.append(_NOTHING.format(number=number))
    return "\n".join(lines)


class OrderTriggersScreen(Dialog[None]):
    """Asks for a store order number and says why it fired each trigger, or did not."""

    DEFAULT_CSS = """
    OrderTriggersScreen > Vertical {
        width: 90;
        border: thick $accent;
    }
    OrderTriggersScreen #why {
        margin-top: 1;
    }
    """

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, context: Context, connection_id: str) -> None:
        super().__init__("Why no trigger for order #…")
        self.context = context
        self.connection_id = connection_id

    def body(self) -> ComposeResult:
        yield Input(placeholder="the store's order number, then Enter", id="order")
        yield Static("", id="why")

    @on(Input.Submitted, "#order")
    def _asked(self, event: Input.Submitted) -> None:
        value = event.value.strip().lstrip("#")
        if not value.isdigit():
            self.query_one("#why", Static).update("An order number is digits, e.g. 1234.")
            return
        self._explain(int(value))

    @work(exclusive=True, group="order-triggers")
    async def _explain(self, number: int) -> None:
        why = self.query_one("#why", Static)
        try:
            page = await self.context.client.list_decisions(
                self.connection_id, woocommerce_order_id=number, limit=100
            )
        except ApiError as exc:
            why.update(str(exc))
            return
        why.update(explain(number, page.items))

"""Explain: run a rule set on a record's facts and see the decision with its trace."""

from __future__ import annotations

import json
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Select, TextArea

from wooconnect.tui.api import ApiError
from wooconnect.tui.context import Context
from wooconnect.tui.models import RuleSet
from wooconnect.tui.screens.polling import fetch, still_open
from wooconnect.tui.trace import dotted_slot
from wooconnect.tui.widgets.error_panel import ErrorPanel
from wooconnect.tui.widgets.trace_view import TraceView

_TEMPLATE = -1  # the example picker's value for "the rule set's facts with blank values"
_BLANK: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False, "list": []}


class ExplainScreen(Screen[None]):
    """Pick a rule set, paste facts (or start from one of its examples, or from its list of
    facts with blank values), press F5. `rule_set` is a `RuleSet.key`: an id, or `id@agency`
    for an agency's own version."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("f5", "evaluate", "Evaluate", priority=True),
        Binding("ctrl+l", "clear_facts", "Clear facts"),
    ]

    def __init__(self, context: Context, rule_set: str | None = None, facts: Any = None) -> None:
        super().__init__()
        self.context = context
        self.initial_rule_set = rule_set
        self.initial_facts = facts
        self.rule_sets: dict[str, RuleSet] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield ErrorPanel(id="error")
        with Horizontal(id="explain-pickers"):
            yield Label("Rule set", classes="picker-label")
            yield Select[str]([], prompt="choose a rule set", id="rule-set")
            yield Label("Example", classes="picker-label")
            yield Select[int]([], prompt="start from an example", id="example")
        with Horizontal(id="explain-body"):
            with Vertical(id="facts-panel", classes="panel") as panel:
                panel.border_title = "Facts (JSON)"
                text = "" if self.initial_facts is None else _pretty(self.initial_facts)
                yield TextArea(text, id="facts", tab_behavior="indent")
            yield TraceView(
                placeholder="Choose a rule set, enter the facts and press F5.", id="result"
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Explain"
        self.query_one("#facts", TextArea).focus()
        self._load_rule_sets()

    @work(group="explain")
    async def _load_rule_sets(self) -> None:
        state = await fetch(self, self.context.client.get_rules())
        if state is None:
            return
        self.rule_sets = {rule_set.key: rule_set for rule_set in state.rule_sets}
        picker: Select[str] = self.query_one("#rule-set", Select)
        picker.set_options((_label(rule_set), rule_set.key) for rule_set in state.rule_sets)
        if self.initial_rule_set in self.rule_sets:
            picker.value = self.initial_rule_set
        elif self.initial_rule_set:
            self.notify(
                f"The loaded rules have no rule set {self.initial_rule_set!r}.", severity="warning"
            )

    @on(Select.Changed, "#rule-set")
    def _rule_set_changed(self, event: Select.Changed) -> None:
        examples: Select[int] = self.query_one("#example", Select)
        rule_set = self.rule_sets.get(str(event.value))
        if rule_set is None:
            examples.set_options([])
            return
        options = [
            (example.name or f"example {index + 1}", index)
            for index, example in enumerate(rule_set.examples)
        ]
        if rule_set.facts:
            options.append(("its facts, blank", _TEMPLATE))
        examples.set_options(options)
        facts = self.query_one("#facts", TextArea)
        if rule_set.facts and not facts.text.strip():
            facts.load_text(_pretty(template(rule_set)))

    @on(Select.Changed, "#example")
    def _example_chosen(self, event: Select.Changed) -> None:
        rule_set = self.rule_sets.get(str(self.query_one("#rule-set", Select).value))
        if rule_set is None or not isinstance(event.value, int):
            return
        if event.value == _TEMPLATE:
            chosen = template(rule_set)
        else:
            chosen = rule_set.examples[event.value].facts
        self.query_one("#facts", TextArea).load_text(_pretty(chosen))

    def action_clear_facts(self) -> None:
        """Empty the facts box."""
        self.query_one("#facts", TextArea).load_text("")

    def action_evaluate(self) -> None:
        """Check the input, then ask the service for the decision."""
        picker = self.query_one("#rule-set", Select)
        result = self.query_one(TraceView)
        if picker.is_blank():
            result.show_message("Choose a rule set first.", title="Nothing to evaluate")
            return
        text = self.query_one("#facts", TextArea).text
        try:
            facts = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            result.show_message(
                f"The facts are not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                title="Invalid facts",
                error=True,
            )
            return
        chosen = self.rule_sets.get(str(picker.value))
        if chosen is None:
            result.show_message("That rule set is no longer loaded.", title="Nothing to evaluate")
            return
        self._evaluate(chosen, facts)

    @work(exclusive=True, group="evaluate")
    async def _evaluate(self, chosen: RuleSet, facts: Any) -> None:
        result = self.query_one(TraceView)
        rule_set = chosen.id
        try:
            evaluation = await self.context.client.evaluate(
                rule_set, facts, agency_id=chosen.agency_id
            )
        except ApiError as exc:
            if still_open(self):
                result.show_message(exc.message, title=exc.headline, error=True)
            return
        if not still_open(self):
            return
        decision = evaluation.decision
        if evaluation.outcome:
            decision = f"{_plain(decision)}  (outcome: {evaluation.outcome})"
        result.show(evaluation.trace, decision, title=f"Decision · {rule_set}")
        if evaluation.message:
            self.notify(evaluation.message, title="Rule message", timeout=6)


def template(rule_set: RuleSet) -> dict[str, Any]:
    """The facts the rule set reads, nested by their dotted names, with blank values of their
    types (`""`, `0`, `false`, `[]`), for a person to fill in."""
    facts: dict[str, Any] = {}
    for fact in rule_set.facts:
        slot = dotted_slot(facts, fact.name)
        if slot is not None:
            node, leaf = slot
            node[leaf] = _BLANK.get(fact.type)
    return facts


def _label(rule_set: RuleSet) -> str:
    if rule_set.agency_id is None:
        return rule_set.id
    return f"{rule_set.id} (agency …{rule_set.agency_id[-8:]})"


def _plain(data: Any) -> Any:
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def _pretty(facts: Any) -> str:
    return json.dumps(facts, indent=2, ensure_ascii=False, default=str)

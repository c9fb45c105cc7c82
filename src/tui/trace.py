"""Reading a decision trace and laying it out for a person.

A trace says which rule set (and version) decided, with which hit policy, which rules matched,
and every condition checked with the value the record actually had. The parser tolerates
missing keys, so an older or newer service still shows what it sent.
"""

from __future__ import annotations

from typing import Any

import msgspec
from rich.console import Group, RenderableType
from rich.text import Text

from wooconnect.tui import formatting


class TraceCondition(msgspec.Struct, frozen=True, kw_only=True):
    """One condition as the rule engine checked it."""

    rule: str = ""
    field: str = ""
    op: str = ""
    actual: Any = None
    expected: Any = None
    ok: bool | None = None


class Trace(msgspec.Struct, frozen=True, kw_only=True):
    """Why a decision was made."""

    rule_set: str | None = None
    version: str | None = None
    hit_policy: str | None = None
    matched: list[str] = msgspec.field(default_factory=list)
    conditions: list[TraceCondition] = msgspec.field(default_factory=list)


def parse_trace(raw: Any) -> Trace | None:
    """The trace in `raw`, or None when it is missing or not shaped like a trace."""
    if not isinstance(raw, dict):
        return None
    try:
        return msgspec.convert(raw, Trace)
    except msgspec.ValidationError:
        return None


def facts_from_trace(trace: Trace) -> dict[str, Any]:
    """Rebuild the facts a trace read (`order.status` → `{"order": {"status": ...}}`), so a
    recorded decision can be explained again against the rules loaded now."""
    facts: dict[str, Any] = {}
    for condition in trace.conditions:
        if not condition.field:
            continue
        slot = dotted_slot(facts, condition.field)
        if slot is not None:
            node, leaf = slot
            node.setdefault(leaf, condition.actual)
    return facts


def dotted_slot(facts: dict[str, Any], name: str) -> tuple[dict[str, Any], str] | None:
    """Where the dotted `name` goes in nested `facts` (`order.status` → `facts["order"]`,
    `"status"`), making the dicts on the way; None when a value that is not a dict is in it."""
    *parents, leaf = name.split(".")
    node = facts
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return None
        node = child
    return node, leaf


def _expected(expected: Any) -> str:
    # A condition may compare with another fact: the engine sends {"fact": name, "value": v}.
    if isinstance(expected, dict) and set(expected) == {"fact", "value"}:
        return f"{expected['fact']} (= {formatting.value(expected['value'], 40)})"
    return formatting.value(expected, 60)


def _verdict(ok: bool | None) -> Text:
    if ok is None:
        return Text("?", style="dim")
    return Text("✓", style="bold green") if ok else Text("✗", style="bold red")


def render_trace(raw: Any, decision: Any = None) -> RenderableType:
    """The trace as a heading and each rule's conditions with the actual values; raw JSON when
    it is not shaped like a trace."""
    trace = parse_trace(raw)
    if trace is None:
        if raw is None:
            return Text("This decision has no trace.", style="dim italic")
        return Text(formatting.value(raw, 2000))
    heading = Text()
    heading.append("Rule set ", style="dim")
    heading.append(trace.rule_set or "?", style="bold")
    heading.append("   version ", style="dim")
    heading.append(trace.version or "?", style="bold")
    heading.append("   hit policy ", style="dim")
    heading.append(trace.hit_policy or "?")
    if decision is not None:
        heading.append("\nDecision ", style="dim")
        heading.append(formatting.plain(decision, 80), style="bold cyan")
    heading.append("\nMatched  ", style="dim")
    heading.append(", ".join(trace.matched) if trace.matched else "no rule matched", style="bold")
    # One block per rule, one line per condition: it reads top to bottom the way the engine
    # went, and wraps instead of truncating in a narrow panel.
    body = Text()
    rules = list(dict.fromkeys(c.rule for c in trace.conditions))
    rules += [rule for rule in trace.matched if rule not in rules]
    for rule in rules:
        body.append("\n")
        body.append(rule or "?", style="bold")
        if rule in trace.matched:
            body.append("  ◀ matched", style="bold cyan")
        conditions = [c for c in trace.conditions if c.rule == rule]
        if not conditions:
            body.append("\n    no conditions: always matches", style="dim italic")
        for condition in conditions:
            body.append("\n  ")
            body.append_text(_verdict(condition.ok))
            body.append(f"  {condition.field} ")
            body.append(condition.op, style="italic")
            body.append(f" {_expected(condition.expected)}")
            body.append("   actual ", style="dim")
            body.append(formatting.value(condition.actual, 60), style="bold")
    return Group(heading, body)

"""Facts: the named values a rule set reads, checked once per evaluation.

Fact names are dotted (`order.status`); `evaluate` takes a flat mapping from those names to
values. `flatten_facts` turns nested JSON (`{"order": {"status": "x"}}`) into that shape. Facts a
rule set does not declare are ignored, so one mapping can serve several rule sets.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from wooconnect.domain.rules.errors import FactsError
from wooconnect.domain.rules.model import FactDefinition, FactType
from wooconnect.domain.rules.operators import Actuals, conforms, type_name

Extractor = Callable[[Mapping[str, object]], Actuals]

_EXACT_TYPES: dict[FactType, tuple[type, ...]] = {
    FactType.STRING: (str,),
    FactType.INTEGER: (int,),
    FactType.NUMBER: (int, float),
    FactType.BOOLEAN: (bool,),
    FactType.LIST: (list, tuple),
}


def flatten_facts(nested: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """`{"order": {"status": "x"}}` → `{"order.status": "x"}`; dotted keys pass through."""
    flat: dict[str, object] = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_facts(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def fact_reader(rule_set_id: str, facts: tuple[FactDefinition, ...]) -> Extractor:
    """The function that reads a rule set's declared facts, in order, from the given mapping.

    Values of exactly the declared types are taken as they are; anything else (a missing fact,
    a wrong type, a `StrEnum`) goes through `_normalise`, which converts or raises `FactsError`.
    """
    checks = tuple(
        (
            fact.name,
            frozenset(_EXACT_TYPES[FactType(fact.type)] + ((type(None),) if fact.nullable else ())),
        )
        for fact in facts
    )

    def read(given: Mapping[str, object]) -> Actuals:
        values = []
        for name, types in checks:
            try:
                value = given[name]
            except (LookupError, TypeError):
                return _normalise(rule_set_id, facts, given)
            if type(value) not in types:
                return _normalise(rule_set_id, facts, given)
            values.append(value)
        return tuple(values)

    return read


def _normalise(
    rule_set_id: str, facts: tuple[FactDefinition, ...], given: Mapping[str, object]
) -> Actuals:
    """Check every declared fact, convert subclasses (a `StrEnum`, an `IntEnum`) to plain values,
    and raise `FactsError` listing every missing or ill-typed fact."""
    if not isinstance(given, Mapping):
        raise FactsError(
            rule_set_id, [f"facts must be a mapping of names to values, got {type_name(given)}"]
        )
    problems: list[str] = []
    values: list[object] = []
    for fact in facts:
        fact_type = FactType(fact.type)
        wanted = f"{fact_type.value}{' or null' if fact.nullable else ''}"
        if fact.name not in given:
            problems.append(f"missing fact `{fact.name}` ({wanted})")
            continue
        value = given[fact.name]
        if value is None and fact.nullable:
            values.append(None)
        elif value is not None and conforms(value, fact_type):
            values.append(_plain(value, fact_type))
        else:
            got = f"{type_name(value)} {_shown(value)}"
            problems.append(f"fact `{fact.name}` must be of type {wanted}, got {got}")
    if problems:
        raise FactsError(rule_set_id, problems)
    return tuple(values)


def _shown(value: object) -> str:
    """A fact's value as the JSON it came in, cut short."""
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _plain(value: object, fact_type: FactType) -> object:
    # Subclasses (StrEnum, IntEnum) may hash differently from their value; the compiled sets and
    # tables hold plain values, so convert before any lookup.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int.__index__(value) if fact_type is FactType.INTEGER else value
    if isinstance(value, float):
        return float(value)
    if isinstance(value, list | tuple):
        return tuple(value)
    return value

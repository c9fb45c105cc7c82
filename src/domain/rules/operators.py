"""The field operators: which fact types each accepts, what operand it needs, and the closure
it compiles to.

Compiled predicates read the fact values from a tuple (`Actuals`) by index: the rule set
extracts and type-checks its facts once per evaluation, and every condition then costs one
index and one comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from wooconnect.domain.rules.model import FactRef, FactType

Actuals = tuple[object, ...]
Predicate = Callable[[Actuals], bool]

_SCALARS = (FactType.STRING, FactType.INTEGER, FactType.NUMBER, FactType.BOOLEAN)
_ORDERED_SCALARS = (FactType.STRING, FactType.INTEGER, FactType.NUMBER)


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator's contract. `operand` is one of: "scalar" (a value of the field's type),
    "scalars" (a list of them), "flag" (true/false), "pattern" (a regular expression),
    "element" (one list element)."""

    name: str
    fact_types: tuple[FactType, ...]
    operand: str
    description: str


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", _SCALARS, "scalar", "equal to the value"),
        Operator("ne", _SCALARS, "scalar", "not equal to the value"),
        Operator("in", _ORDERED_SCALARS, "scalars", "one of the listed values"),
        Operator("not_in", _ORDERED_SCALARS, "scalars", "none of the listed values"),
        Operator("exists", (*_SCALARS, FactType.LIST), "flag", "true: not null; false: null"),
        Operator(
            "empty",
            (FactType.STRING, FactType.LIST),
            "flag",
            "true: null, empty string or empty list; false: anything else",
        ),
        Operator("matches", (FactType.STRING,), "pattern", "the regular expression is found in it"),
        Operator("contains", (FactType.LIST,), "element", "the list contains the value"),
    )
}


def type_name(value: object) -> str:
    """The rule author's name for a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def conforms(value: object, fact_type: FactType) -> bool:
    """Whether a (non-null) value has the fact type; booleans are never numbers."""
    if fact_type is FactType.STRING:
        return isinstance(value, str)
    if fact_type is FactType.BOOLEAN:
        return isinstance(value, bool)
    if fact_type is FactType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if fact_type is FactType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if not isinstance(value, list | tuple):
        return False
    return all(item is None or isinstance(item, str | int | float) for item in value)


def build(op: str, index: int, operand: object, ref_index: int | None) -> Predicate:
    """Compile one comparison to a closure over the actuals tuple.

    `operand` is the literal (already validated), or ignored when `ref_index` points at the
    fact that supplies it.
    """
    i = index
    if ref_index is not None:
        return _build_ref(op, i, ref_index)
    if op == "eq":
        return lambda a: a[i] == operand
    if op == "ne":
        return lambda a: a[i] != operand
    if op in ("in", "not_in"):
        values = frozenset(operand)  # type: ignore[call-overload]
        if op == "in":
            return lambda a: a[i] in values
        return lambda a: a[i] not in values
    if op == "exists":
        if operand:
            return lambda a: a[i] is not None
        return lambda a: a[i] is None
    if op == "empty":
        # Facts are type-checked before any predicate runs, so a non-null value here is a
        # string or a list, and `not value` is exactly emptiness.
        if operand:
            return lambda a: not a[i]
        return lambda a: bool(a[i])
    if op == "matches":
        search = re.compile(str(operand)).search
        return lambda a: isinstance(a[i], str) and search(a[i]) is not None  # type: ignore[call-overload]
    if op == "contains":
        return lambda a: a[i] is not None and operand in a[i]  # type: ignore[operator]
    raise ValueError(f"unknown operator {op!r}")  # the validator refuses these earlier


def _build_ref(op: str, i: int, j: int) -> Predicate:
    if op == "eq":
        return lambda a: a[i] == a[j]
    if op == "ne":
        return lambda a: a[i] != a[j]
    if op == "in":
        return lambda a: a[j] is not None and a[i] in a[j]  # type: ignore[operator]
    if op == "not_in":
        return lambda a: a[j] is None or a[i] not in a[j]  # type: ignore[operator]
    if op == "contains":
        return lambda a: a[i] is not None and a[j] in a[i]  # type: ignore[operator]
    raise ValueError(f"operator {op!r} takes no fact reference")


REF_OPERATORS = frozenset({"eq", "ne", "in", "not_in", "contains"})


def operand_problem(op: Operator, fact_type: FactType, value: object) -> str | None:
    """Why a literal operand does not suit the operator on a field of this type, if it does not."""
    expected = fact_type.value
    if op.operand == "scalar":
        if value is None:
            return f"`{op.name}` needs {_a(expected)}, not null (use `exists: false` for null)"
        if not conforms(value, fact_type):
            return f"`{op.name}` needs {_a(expected)}, got {type_name(value)} {value!r}"
    elif op.operand == "scalars":
        if not isinstance(value, list) or not value:
            return (
                f"`{op.name}` needs a non-empty list of {expected} values, got {type_name(value)}"
            )
        for item in value:
            if item is None or not conforms(item, fact_type):
                return f"`{op.name}` needs {expected} values, got {type_name(item)} {item!r}"
        if len(set(value)) != len(value):
            return f"`{op.name}` lists a value twice"
    elif op.operand == "flag":
        if not isinstance(value, bool):
            return f"`{op.name}` needs true or false, got {type_name(value)} {value!r}"
    elif op.operand == "pattern":
        if not isinstance(value, str):
            return f"`{op.name}` needs a regular expression string, got {type_name(value)}"
        try:
            re.compile(value)
        except re.error as exc:
            return f"`{op.name}` has an invalid regular expression: {exc}"
    elif op.operand == "element" and (
        value is None or isinstance(value, bool | list | dict) or not isinstance(value, str | int)
    ):
        return f"`{op.name}` needs a string or integer element, got {type_name(value)}"
    return None


def ref_problem(op: Operator, fact_type: FactType, ref_type: FactType) -> str | None:
    """Why a fact reference cannot be the operand of this operator, if it cannot."""
    if op.name not in REF_OPERATORS:
        return f"`{op.name}` cannot compare with another fact"
    if op.name in ("in", "not_in") and ref_type is not FactType.LIST:
        return f"`{op.name}` needs a list fact to look in, got {_a(ref_type.value)} fact"
    if op.name in ("eq", "ne") and ref_type is not fact_type:
        return f"`{op.name}` compares {_a(fact_type.value)} with {_a(ref_type.value)} fact"
    if op.name == "contains" and ref_type not in (FactType.STRING, FactType.INTEGER):
        return f"`{op.name}` needs a string or integer fact as the element"
    return None


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def describe_operand(value: object) -> object:
    """The operand as a JSON-ready value for traces and listings."""
    if isinstance(value, FactRef):
        return {"fact": value.name}
    if isinstance(value, frozenset | tuple):
        return list(value)
    return value

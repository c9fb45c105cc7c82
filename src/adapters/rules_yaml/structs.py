"""The structure of a rule file as msgspec structs: unknown keys and wrong basic types are
refused before any meaning is checked. Conditions stay plain data here; `definitions.py` turns
them into domain conditions so that an unknown operator gets its own message."""

from __future__ import annotations

from typing import Any

import msgspec


class FactStruct(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    description: str = ""
    nullable: bool = False


class TableStruct(msgspec.Struct, forbid_unknown_fields=True):
    field: str
    rows: dict[str, Any]


class RuleStruct(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    description: str = ""
    when: dict[str, Any] | None = None
    table: TableStruct | None = None
    then: Any = msgspec.UNSET
    message: str | None = None
    outcome: str | None = None


class ExampleStruct(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    given: dict[str, Any]
    expect: Any
    rule: str | None = None
    description: str = ""


class RuleFileStruct(msgspec.Struct, forbid_unknown_fields=True):
    """A rule file's top level. Facts, rules and examples are converted one by one afterwards,
    so that each broken entry is reported, not just the first."""

    id: str
    kind: str
    hit_policy: str
    rules: list[Any]
    description: str = ""
    facts: dict[str, Any] = msgspec.field(default_factory=dict)
    examples: list[Any] = msgspec.field(default_factory=list)

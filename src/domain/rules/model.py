"""Rule sets as rule authors define them, independent of the file format they are written in.

A loader (the YAML adapter) builds these definitions and attaches a `SourcePosition` (file, line,
column) to each part, so that every problem the validator finds can point at the line that causes
it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import TypeAlias


class HitPolicy(StrEnum):
    """How the rules of a set combine into one decision."""

    FIRST = "first"  # the first rule that matches decides
    UNIQUE = "unique"  # at most one rule can match; checked when the set is loaded
    COLLECT = "collect"  # every matching rule is reported (e.g. all refusal reasons)


class RuleSetKind(StrEnum):
    """What a rule set decides; the kind fixes the shape of `then` and the outcome names."""

    MAPPING = "mapping"  # `then` is a string; outcome "mapped"
    ELIGIBILITY = "eligibility"  # `then` is import or skip; outcome "imported" / "skipped"
    TRIGGER = "trigger"  # `then` is true or false; outcome "fire" / "no_fire"
    CRITERIA = "criteria"  # matching rules refuse; outcome "refused" / "allowed"
    POLICY = "policy"  # `then` is a table of named values; each rule names its outcome


class FactType(StrEnum):
    """The value types a fact may have."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    LIST = "list"


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""Marks a value the author did not write (different from an explicit null)."""


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where a part of a rule set was written: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a rule set, meant for the rule author."""

    message: str
    at: SourcePosition | None = None

    def __str__(self) -> str:
        return f"{self.at}: {self.message}" if self.at is not None else self.message


@dataclass(frozen=True, slots=True)
class FactRef:
    """An operand taken from another fact: `not_in: {fact: agency.linked_domains}`."""

    name: str


@dataclass(frozen=True, slots=True)
class Compare:
    """A field compared by one operator: `{field: order.status, in: [completed, refunded]}`."""

    field: str
    op: str
    value: object
    at: SourcePosition | None = None
    field_at: SourcePosition | None = None
    op_at: SourcePosition | None = None
    value_at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]
    at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]
    at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition
    at: SourcePosition | None = None


Condition: TypeAlias = Compare | AllOf | AnyOf | Not


@dataclass(frozen=True, slots=True)
class TableRow:
    key: str
    output: object
    at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A mapping table: the field's value selects a row; the row's output is the decision."""

    field: str
    rows: tuple[TableRow, ...]
    at: SourcePosition | None = None
    field_at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class RuleDefinition:
    """One rule: a condition (`when`) or a table, and what it decides.

    A rule with neither `when` nor `table` is a catch-all: it matches every input.
    """

    id: str
    description: str = ""
    when: Condition | None = None
    table: Table | None = None
    then: object = UNSET
    message: str | None = None
    outcome: str | None = None
    at: SourcePosition | None = None
    id_at: SourcePosition | None = None
    then_at: SourcePosition | None = None

    @property
    def is_catch_all(self) -> bool:
        return self.when is None and self.table is None


@dataclass(frozen=True, slots=True)
class FactDefinition:
    """A fact the rule set reads; every declared fact must be given to `evaluate`."""

    name: str
    type: str
    nullable: bool = False
    description: str = ""
    at: SourcePosition | None = None
    type_at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """A test a rule author writes beside the rules: given these facts, expect this decision."""

    name: str
    given: Mapping[str, object]
    expect: object
    rule: str | None = None
    at: SourcePosition | None = None
    given_at: Mapping[str, SourcePosition] = field(default_factory=dict)
    expect_at: SourcePosition | None = None
    rule_at: SourcePosition | None = None


@dataclass(frozen=True, slots=True)
class RuleSetDefinition:
    """A whole rule set as written in one file. `kind` and `hit_policy` are kept as written
    so that the validator can report a misspelling instead of failing to build this value."""

    id: str
    kind: str
    hit_policy: str
    facts: tuple[FactDefinition, ...]
    rules: tuple[RuleDefinition, ...]
    description: str = ""
    examples: tuple[Example, ...] = ()
    file: str = "<memory>"
    at: SourcePosition | None = None
    key_at: Mapping[str, SourcePosition] = field(default_factory=dict)

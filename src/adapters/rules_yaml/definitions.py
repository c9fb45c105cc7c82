"""From a marked YAML document to a domain `RuleSetDefinition`, reporting structural problems
(unknown keys, missing keys, wrong basic types, malformed conditions) with their position."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from wooconnect.adapters.rules_yaml.nodes import MarkedDocument, Path
from wooconnect.adapters.rules_yaml.structs import (
    ExampleStruct,
    FactStruct,
    RuleFileStruct,
    RuleStruct,
    TableStruct,
)
from wooconnect.domain.rules import model
from wooconnect.domain.rules.validate import did_you_mean

S = TypeVar("S", bound=msgspec.Struct)
_MSGSPEC_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+|\.\.\.)\]")
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(?P<key>[^`]*)`$")
_COMPOSITES = ("all", "any", "not")


class StructureProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def to_definition(document: MarkedDocument) -> model.RuleSetDefinition:
    """Build the definition, or raise `StructureProblems` listing every structural problem."""
    return _Builder(document).build()


class _Builder:
    def __init__(self, document: MarkedDocument) -> None:
        self.doc = document
        self.problems: list[str] = []

    def problem(self, at: model.SourcePosition, message: str) -> None:
        self.problems.append(f"{at}: {message}")

    def convert(self, data: object, struct: type[S], path: Path) -> S | None:
        try:
            return msgspec.convert(data, struct)
        except msgspec.ValidationError as exc:
            self._report_msgspec(str(exc), struct, path)
            return None

    def _report_msgspec(self, text: str, struct: type[msgspec.Struct], path: Path) -> None:
        match = _MSGSPEC_PATH.match(text)
        message = match.group("message") if match else text
        relative: list[str | int] = []
        for name, index in _PATH_PART.findall((match and match.group("path")) or ""):
            relative.append(name if name else (int(index) if index.isdigit() else "..."))
        full = (*path, *relative)
        unknown = _UNKNOWN_FIELD.match(message)
        if unknown:
            key = unknown.group("key")
            allowed = _fields_at(struct, relative)
            hint = did_you_mean(key, allowed)
            self.problem(
                self.doc.key((*full, key)),
                f"unknown key `{key}`{hint}; allowed here: {', '.join(allowed)}",
            )
            return
        self.problem(self.doc.at(full), _reword(message))

    def build(self) -> model.RuleSetDefinition:
        doc = self.doc
        if not isinstance(doc.data, dict):
            raise StructureProblems(
                [f"{doc.at(())}: a rule file is a mapping (id, kind, rules...)"]
            )
        top = self.convert(doc.data, RuleFileStruct, ())
        if top is None:
            raise StructureProblems(self.problems)
        facts = tuple(
            fact
            for name, raw in top.facts.items()
            if (fact := self._fact(str(name), raw)) is not None
        )
        rules = tuple(
            rule for i, raw in enumerate(top.rules) if (rule := self._rule(raw, ("rules", i)))
        )
        examples = tuple(
            example
            for i, raw in enumerate(top.examples)
            if (example := self._example(raw, ("examples", i))) is not None
        )
        if self.problems:
            raise StructureProblems(self.problems)
        return model.RuleSetDefinition(
            id=top.id,
            kind=top.kind,
            hit_policy=top.hit_policy,
            facts=facts,
            rules=rules,
            description=top.description,
            examples=examples,
            file=doc.file,
            at=doc.at(()),
            key_at={key: doc.at((key,)) for key in ("id", "kind", "hit_policy", "rules")},
        )

    def _fact(self, name: str, raw: object) -> model.FactDefinition | None:
        path: Path = ("facts", name)
        fact = self.convert(raw, FactStruct, path)
        if fact is None:
            return None
        return model.FactDefinition(
            name=name,
            type=fact.type,
            nullable=fact.nullable,
            description=fact.description,
            at=self.doc.key(path),
            type_at=self.doc.at((*path, "type")),
        )

    def _rule(self, raw: object, path: Path) -> model.RuleDefinition | None:
        rule = self.convert(raw, RuleStruct, path)
        if rule is None:
            return None
        when = self._condition(rule.when, (*path, "when")) if rule.when is not None else None
        return model.RuleDefinition(
            id=rule.id,
            description=rule.description,
            when=when,
            table=self._table(rule.table, (*path, "table")) if rule.table is not None else None,
            then=model.UNSET if rule.then is msgspec.UNSET else rule.then,
            message=rule.message,
            outcome=rule.outcome,
            at=self.doc.at(path),
            id_at=self.doc.at((*path, "id")),
            then_at=self.doc.at((*path, "then")),
        )

    def _table(self, table: TableStruct, path: Path) -> model.Table:
        rows = tuple(
            model.TableRow(key=key, output=output, at=self.doc.key((*path, "rows", key)))
            for key, output in table.rows.items()
        )
        return model.Table(table.field, rows, self.doc.at(path), self.doc.at((*path, "field")))

    def _condition(self, raw: Mapping[str, Any], path: Path) -> model.Condition:
        at = self.doc.at(path)
        composite = [key for key in raw if key in _COMPOSITES]
        if composite:
            key = composite[0]
            if len(raw) != 1:
                other = next(k for k in raw if k != key)
                self.problem(
                    self.doc.key((*path, other)),
                    f"`{key}` stands alone in its condition; nest `{other}` inside it",
                )
            value = raw[key]
            child: Path = (*path, key)
            if key == "not":
                if not isinstance(value, dict):
                    self.problem(self.doc.at(child), "`not` takes one condition (a mapping)")
                    return model.AllOf((), at)
                return model.Not(self._condition(value, child), at)
            if not isinstance(value, list) or not value:
                self.problem(self.doc.at(child), f"`{key}` takes a non-empty list of conditions")
                return model.AllOf((), at)
            items = []
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    items.append(self._condition(item, (*child, i)))
                else:
                    self.problem(self.doc.at((*child, i)), "a condition is a mapping")
            return model.AllOf(tuple(items), at) if key == "all" else model.AnyOf(tuple(items), at)
        return self._compare(raw, path, at)

    def _compare(
        self, raw: Mapping[str, Any], path: Path, at: model.SourcePosition
    ) -> model.Condition:
        field = raw.get("field")
        if not isinstance(field, str):
            self.problem(
                self.doc.at((*path, "field")) if "field" in raw else at,
                "a condition needs `field` (a fact name) and one operator, e.g. "
                "`{field: order.status, eq: completed}`, or `all`, `any` or `not`",
            )
            return model.AllOf((), at)
        ops = [key for key in raw if key != "field"]
        if not ops:
            self.problem(at, f"the condition on `{field}` has no operator (eq, in, exists...)")
            return model.AllOf((), at)
        if len(ops) > 1:
            self.problem(
                self.doc.key((*path, ops[1])),
                f"one operator per condition (found {', '.join(map(str, ops))}); "
                "combine conditions with `all`",
            )
        op = str(ops[0])
        value: object = raw[ops[0]]
        value_at = self.doc.at((*path, op))
        if isinstance(value, dict):
            if set(value) == {"fact"} and isinstance(value["fact"], str):
                value = model.FactRef(value["fact"])
                value_at = self.doc.at((*path, op, "fact"))
            else:
                self.problem(value_at, "a mapping operand must be `{fact: <fact name>}`")
        return model.Compare(
            field=field,
            op=op,
            value=value,
            at=at,
            field_at=self.doc.at((*path, "field")),
            op_at=self.doc.key((*path, op)),
            value_at=value_at,
        )

    def _example(self, raw: object, path: Path) -> model.Example | None:
        example = self.convert(raw, ExampleStruct, path)
        if example is None:
            return None
        given: dict[str, object] = {}
        given_at: dict[str, model.SourcePosition] = {}
        _flatten(example.given, (*path, "given"), "", given, given_at, self.doc)
        return model.Example(
            name=example.name,
            given=given,
            expect=example.expect,
            rule=example.rule,
            at=self.doc.at(path),
            given_at=given_at,
            expect_at=self.doc.at((*path, "expect")),
            rule_at=self.doc.at((*path, "rule")),
        )


def _flatten(
    data: Mapping[str, Any],
    path: Path,
    prefix: str,
    into: dict[str, object],
    at: dict[str, model.SourcePosition],
    doc: MarkedDocument,
) -> None:
    # Examples may nest facts (`order: {status: x}`) or write them dotted (`order.status: x`).
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            _flatten(value, (*path, key), f"{name}.", into, at, doc)
        else:
            into[name] = value
            at[name] = doc.key((*path, key))


def _fields_at(struct: type[msgspec.Struct], relative: list[str | int]) -> list[str]:
    # The struct whose keys are allowed at this path (only nested structs matter: tables).
    if struct is RuleStruct and relative[:1] == ["table"]:
        return list(TableStruct.__struct_fields__)
    return list(struct.__struct_fields__)


def _reword(message: str) -> str:
    # msgspec speaks JSON ("object", "array"); rule authors write YAML.
    return (
        message.replace("`object`", "a mapping")
        .replace("`array`", "a list")
        .replace("`str`", "a string")
        .replace("`int`", "an integer")
        .replace("`bool`", "true or false")
        .replace("`null`", "null")
        .replace("Object missing required field", "missing required key")
        .replace("Expected", "expected")
    )

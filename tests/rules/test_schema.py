"""The JSON Schema editors use agrees with what the loader accepts, and every file uses it."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from tests.rules.conftest import SHIPPED_RULES
from wooconnect.adapters.rules_yaml.structs import (
    ExampleStruct,
    FactStruct,
    RuleFileStruct,
    RuleStruct,
    TableStruct,
)
from wooconnect.domain.rules import OPERATORS, FactType, HitPolicy, RuleSetKind

SCHEMA = json.loads((SHIPPED_RULES / "schema" / "rules.schema.json").read_text("utf-8"))
DEFS = SCHEMA["$defs"]


def _keys(struct: type[msgspec.Struct]) -> set[str]:
    return set(struct.__struct_fields__)


def test_schema_allows_exactly_the_keys_the_loader_accepts() -> None:
    assert set(SCHEMA["properties"]) == _keys(RuleFileStruct)
    assert set(DEFS["fact"]["properties"]) == _keys(FactStruct)
    assert set(DEFS["rule"]["properties"]) == _keys(RuleStruct)
    assert set(DEFS["table"]["properties"]) == _keys(TableStruct)
    assert set(DEFS["example"]["properties"]) == _keys(ExampleStruct)


def test_schema_lists_the_engine_operators_kinds_policies_and_types() -> None:
    compare = DEFS["condition"]["oneOf"][3]["properties"]
    assert set(compare) - {"field"} == set(OPERATORS)
    assert SCHEMA["properties"]["kind"]["enum"] == [kind.value for kind in RuleSetKind]
    assert SCHEMA["properties"]["hit_policy"]["enum"] == [policy.value for policy in HitPolicy]
    assert DEFS["fact"]["properties"]["type"]["enum"] == [fact_type.value for fact_type in FactType]


def test_every_shipped_rule_file_references_the_schema() -> None:
    files = sorted(SHIPPED_RULES.rglob("*.yaml"))
    assert files
    for path in files:
        first_line = path.read_text("utf-8").splitlines()[0]
        relative = Path(*([".."] * (len(path.relative_to(SHIPPED_RULES).parts) - 1)))
        target = (relative / "schema" / "rules.schema.json").as_posix()
        assert first_line == f"# yaml-language-server: $schema={target}", path

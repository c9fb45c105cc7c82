"""Loading rule files: YAML → structure checks → semantic checks → compiled `RuleSet`s → a
`RuleBook`. Any problem anywhere fails the whole load with every message, `file:line:column:`
first, so a broken directory never produces a partial book."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wooconnect.adapters.rules_yaml.definitions import StructureProblems, to_definition
from wooconnect.adapters.rules_yaml.nodes import YamlProblems, compose_marked
from wooconnect.domain.rules import InvalidRuleSet, RuleBook, RuleSet, compile_rule_set

RULE_SUFFIXES = (".yaml", ".yml")
AGENCIES_DIR = "agencies"


class RuleLoadError(Exception):
    """Rule files that cannot be used; `errors` are `file:line:column: message` strings."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class RuleFile:
    """A rule file found in a rules directory; `agency_id` is set for overrides."""

    path: Path
    agency_id: str | None


def version_of(content: bytes) -> str:
    """A rule set's version: the first 12 hex digits of the SHA-256 of its file."""
    return hashlib.sha256(content).hexdigest()[:12]


def load_rule_file(path: Path, *, display: str | None = None) -> RuleSet:
    """Compile one rule file; raise `RuleLoadError` with every problem found."""
    name = display or str(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RuleLoadError([f"{name}:1:1: cannot read the file: {exc.strerror}"]) from None
    return parse_rule_set(content, name, expected_id=path.stem)


def parse_rule_set(content: bytes, name: str, *, expected_id: str | None = None) -> RuleSet:
    """Compile rule-file content; `name` is how messages refer to the file."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleLoadError([f"{name}:1:1: the file is not UTF-8 text"]) from None
    try:
        definition = to_definition(compose_marked(text, name))
    except (YamlProblems, StructureProblems) as exc:
        raise RuleLoadError(exc.problems) from None
    problems: list[str] = []
    if expected_id is not None and definition.id != expected_id:
        at = definition.key_at.get("id")
        problems.append(
            f"{at}: the rule set `{definition.id}` must be in a file named {definition.id}.yaml "
            f"(this file is {expected_id}.yaml)"
        )
    try:
        rule_set = compile_rule_set(definition, version_of(content))
    except InvalidRuleSet as exc:
        problems.extend(str(issue) for issue in exc.issues)
        raise RuleLoadError(problems) from None
    if problems:
        raise RuleLoadError(problems)
    return rule_set


def find_rule_files(directory: Path) -> Iterator[RuleFile]:
    """Default files (`DIR/*.yaml`) then overrides (`DIR/agencies/<agency_id>/*.yaml`), sorted."""
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix in RULE_SUFFIXES:
            yield RuleFile(path, None)
    agencies = directory / AGENCIES_DIR
    if agencies.is_dir():
        for agency in sorted(agencies.iterdir()):
            if agency.is_dir():
                for path in sorted(agency.iterdir()):
                    if path.is_file() and path.suffix in RULE_SUFFIXES:
                        yield RuleFile(path, agency.name)


def load_rule_book(directory: Path) -> RuleBook:
    """Compile every rule file of the directory into one book, or raise `RuleLoadError` with
    the problems of every file."""
    if not directory.is_dir():
        raise RuleLoadError([f"{directory}: not a directory"])
    errors: list[str] = []
    defaults: list[RuleSet] = []
    overrides: dict[str, list[RuleSet]] = {}
    for found in find_rule_files(directory):
        try:
            rule_set = load_rule_file(found.path)
        except RuleLoadError as exc:
            errors.extend(exc.errors)
            continue
        if found.agency_id is None:
            defaults.append(rule_set)
        else:
            overrides.setdefault(found.agency_id, []).append(rule_set)
    if not defaults and not errors:
        errors.append(f"{directory}: no rule files (*.yaml) found")
    if errors:
        raise RuleLoadError(errors)
    try:
        return RuleBook.build(defaults, overrides)
    except InvalidRuleSet as exc:
        raise RuleLoadError([str(issue) for issue in exc.issues]) from None

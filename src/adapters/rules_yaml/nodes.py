"""YAML to plain data, remembering where every key and value was written.

PyYAML's `compose()` keeps each node's start mark; walking the node tree ourselves gives both
the data and a map from data paths (`("rules", 0, "when", "in")`) to `file:line:column`. It
also catches what `yaml.safe_load` silently accepts: a key written twice in one mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from wooconnect.domain.rules import SourcePosition

Path = tuple[str | int, ...]


class YamlProblems(Exception):
    """The file is not readable YAML of the expected shape; `problems` are located messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class MarkedDocument:
    """The document's data, and where each path's key and value start."""

    data: object
    file: str
    value_at: dict[Path, SourcePosition] = field(default_factory=dict)
    key_at: dict[Path, SourcePosition] = field(default_factory=dict)

    def at(self, path: Path) -> SourcePosition:
        """The value's position, else that of the nearest enclosing value."""
        while path not in self.value_at and path:
            path = path[:-1]
        return self.value_at.get(path, SourcePosition(self.file, 1, 1))

    def key(self, path: Path) -> SourcePosition:
        """The key's position (for unknown or misspelt keys), else the value's."""
        return self.key_at.get(path) or self.at(path)


def compose_marked(text: str, file: str) -> MarkedDocument:
    """Parse one YAML document; raise `YamlProblems` for syntax errors and duplicate keys."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblems([f"{file}:1:1: the file is empty"])
        document = MarkedDocument(data=None, file=file)
        problems: list[str] = []
        document.data = _walk(loader, node, (), document, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else f"{file}:1:1"
        raise YamlProblems([f"{where}: invalid YAML: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([f"{file}:1:1: invalid YAML: {exc}"]) from None
    finally:
        loader.dispose()
    if problems:
        raise YamlProblems(problems)
    return document


def _position(document: MarkedDocument, node: yaml.Node) -> SourcePosition:
    mark = node.start_mark
    return SourcePosition(document.file, mark.line + 1, mark.column + 1)


def _walk(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: Path,
    document: MarkedDocument,
    problems: list[str],
) -> object:
    document.value_at[path] = _position(document, node)
    if isinstance(node, yaml.MappingNode):
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            key_at = _position(document, key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(f"{key_at}: a key must be a plain name")
                continue
            key = loader.construct_object(key_node)
            if key in result:
                first = document.key_at.get((*path, str(key)))
                seen = f" (first at line {first.line})" if first else ""
                problems.append(f"{key_at}: duplicate key `{key}`{seen}")
                continue
            child: Path = (*path, str(key))
            document.key_at[child] = key_at
            result[key] = _walk(loader, value_node, child, document, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(loader, item, (*path, index), document, problems)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)

"""docs/operations.md tells operators real commands and real metric names, and the README
points at it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.ship.test_grafana_dashboard import _exposed
from wooconnect.adapters.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"


def _commands(text: str) -> list[list[str]]:
    """The wooconnect command lines the text shows, inline or run through compose."""
    found = []
    for snippet in re.findall(r"`([^`\n]+)`", text):
        words = shlex.split(snippet.split("#")[0])
        if words[:3] == ["docker", "compose", "run"]:
            words = [w for w in words[3:] if not w.startswith("--")][1:]  # past the service
        elif words[:1] == ["wooconnect"]:
            words = words[1:]
        else:
            continue
        if words:
            found.append(words)
    return found


def test_every_command_the_guide_shows_is_one_the_cli_accepts() -> None:
    commands = _commands(GUIDE.read_text())
    assert ["secret-key", "rotate"] in commands
    assert ["health", "worker"] in commands
    parser = build_parser()
    for words in commands:
        if words[0].startswith("-"):
            continue
        assert callable(parser.parse_args(words).handler), words


def test_every_metric_the_guide_names_is_exposed() -> None:
    named = set(re.findall(r"\bwooconnect_[a-z_]+[a-z]\b", GUIDE.read_text()))
    expanded = {name for name in named if not name.endswith("_")}
    assert expanded
    assert expanded <= set(_exposed()), sorted(expanded - set(_exposed()))


def test_the_readme_links_the_guide() -> None:
    assert "docs/operations.md" in (ROOT / "README.md").read_text()

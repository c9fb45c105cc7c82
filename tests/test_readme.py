"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sh_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Test it", 1)[1]
    test_command = _sh_blocks(section)[0]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci_lines


def test_the_readme_run_command_starts_the_service() -> None:
    readme = (ROOT / "README.md").read_text()
    run_command = _sh_blocks(readme.split("## Run it", 1)[1])[0]
    assert run_command.endswith("wooconnect serve")

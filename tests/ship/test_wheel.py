"""The wheel installs one top-level package, `wooconnect`, plus its metadata."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.services import in_ci

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        from hatchling.builders.wheel import WheelBuilder
    except ImportError:  # an environment installed before hatchling joined the dev extra
        if in_ci():
            raise
        pytest.skip("hatchling is not installed; pip install -e '.[dev]'")
    out = tmp_path_factory.mktemp("wheel")
    built = list(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    assert len(built) == 1
    return Path(built[0])


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as opened:
        return opened.namelist()


def test_the_wheel_holds_only_the_wooconnect_package_and_its_metadata(
    wheel_names: list[str],
) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_names}
    metadata = {top for top in tops if top.endswith(".dist-info")}
    assert len(metadata) == 1
    assert tops - metadata == {"wooconnect"}


def test_the_wheel_maps_each_source_folder_under_wooconnect(wheel_names: list[str]) -> None:
    names = set(wheel_names)
    assert "wooconnect/__init__.py" in names
    for layer in ("domain", "app", "adapters", "tui"):
        assert f"wooconnect/{layer}/__init__.py" in names
    # files besides modules travel too: the console's stylesheet, Alembic's migrations
    assert "wooconnect/tui/console.tcss" in names
    assert "wooconnect/adapters/persistence/migrations/script.py.mako" in names


def test_the_development_import_path_is_the_source_folder() -> None:
    link = ROOT / ".ci" / "pythonpath" / "wooconnect"
    assert link.is_symlink()
    assert link.resolve() == (ROOT / "src").resolve()


def test_the_package_rules_are_the_repository_rules_folder() -> None:
    link = ROOT / "src" / "rules"
    assert link.is_symlink()
    assert link.resolve() == (ROOT / "rules").resolve()


def test_the_wheel_carries_the_repository_rule_files(wheel_names: list[str]) -> None:
    shipped = {name.removeprefix("wooconnect/rules/") for name in wheel_names}
    for path in (ROOT / "rules").rglob("*"):
        if path.is_file():
            assert path.relative_to(ROOT / "rules").as_posix() in shipped, path


def test_the_installed_wheel_checks_its_own_rules_from_any_directory(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as opened:
        opened.extractall(site)  # what installing a pure-Python wheel amounts to
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-m", "wooconnect.adapters.cli.main", "rules", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"all rule files in {site / 'wooconnect' / 'rules'} are valid" in result.stdout

"""The wheel installs one top-level package, `wooconnect`, plus its metadata."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.support.services import in_ci

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    try:
        from hatchling.builders.wheel import WheelBuilder
    except ImportError:  # an environment installed before hatchling joined the dev extra
        if in_ci():
            raise
        pytest.skip("hatchling is not installed; pip install -e '.[dev]'")
    out = tmp_path_factory.mktemp("wheel")
    built = list(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    assert len(built) == 1
    with zipfile.ZipFile(built[0]) as wheel:
        return wheel.namelist()


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

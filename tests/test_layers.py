"""The domain and the app layer stay free of frameworks, and the console free of the service.
import-linter checks the imports statically; this checks what a real import of every module
loads."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import importlib, json, pkgutil, sys
before = set(sys.modules)
for name in {packages!r}:
    pkg = importlib.import_module(name)
    for info in pkgutil.walk_packages(pkg.__path__, name + "."):
        importlib.import_module(info.name)
def layer(module):  # ours by layer (wooconnect.app), anything else by its top-level name
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "wooconnect" else parts[0]
print(json.dumps(sorted({{layer(m) for m in set(sys.modules) - before}} - {{"wooconnect"}})))
"""


def _loaded_by(*packages: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(packages=packages)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_the_domain_loads_only_the_standard_library() -> None:
    foreign = _loaded_by("wooconnect.domain") - set(sys.stdlib_module_names) - {"wooconnect.domain"}
    assert foreign == set()


def test_the_app_layer_loads_only_the_domain_and_the_standard_library() -> None:
    foreign = (
        _loaded_by("wooconnect.app")
        - set(sys.stdlib_module_names)
        - {"wooconnect.domain", "wooconnect.app"}
    )
    assert foreign == set()


def test_the_console_loads_none_of_the_service_code() -> None:
    service = {
        "wooconnect.domain",
        "wooconnect.app",
        "wooconnect.adapters",
        "sqlalchemy",
        "litestar",
        "dramatiq",
        "redis",
    }
    assert _loaded_by("wooconnect.tui") & service == set()

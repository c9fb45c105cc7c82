"""`wooconnect` started outside the repository: the default rules come with the package, and a
rules directory that cannot be used is one line on stderr and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


def _environment(**extra: str) -> dict[str, str]:
    """This environment with the development import path and none of the service's settings,
    as on a machine where nothing is configured."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOOCONNECT_")}
    env["PYTHONPATH"] = str(ROOT / ".ci" / "pythonpath")
    return {**env, **extra}


def _wooconnect(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wooconnect.adapters.cli.main", *args],
        cwd=cwd,
        env=env or _environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_rules_check_outside_the_repository_validates_the_shipped_rules(tmp_path: Path) -> None:
    result = _wooconnect(tmp_path, "rules", "check")

    assert result.returncode == 0, result.stderr
    assert f"all rule files in {ROOT / 'rules'} are valid" in result.stdout


def test_a_rules_folder_in_the_working_directory_comes_before_the_shipped_rules(
    tmp_path: Path,
) -> None:
    (tmp_path / "rules").mkdir()
    result = _wooconnect(tmp_path, "rules", "check")

    assert result.returncode == 1
    assert "rules: no rule files (*.yaml) found" in result.stderr


def test_serve_outside_the_repository_starts_with_the_shipped_rules(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "wooconnect.adapters.cli.main", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_environment(WOOCONNECT_LOG_FORMAT="text"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        ready = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        token = (tmp_path / "var" / "admin.token").read_text().strip()
        rules = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/rules",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert ready is not None, output
    assert ready.status_code == 200, output
    assert rules.json()["errors"] == []
    assert {rule_set["id"] for rule_set in rules.json()["rule_sets"]} >= {"order_status"}
    assert "Traceback" not in output


@pytest.mark.parametrize("command", [["serve"], ["demo", "--duration", "1"], ["rules", "check"]])
def test_a_rules_directory_that_does_not_exist_is_one_line_and_status_2(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "nowhere"
    env = _environment(WOOCONNECT_RULES_DIR=str(missing))
    result = _wooconnect(tmp_path, *command, env=env)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        line for line in result.stderr.splitlines() if line.startswith("wooconnect: ")
    ]
    assert len(result.stderr.splitlines()) == 1
    assert f"the rules directory {missing} does not exist" in result.stderr
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("command", [["serve"], ["demo", "--duration", "1"]])
def test_rules_that_do_not_validate_are_one_line_and_status_2(
    tmp_path: Path, command: list[str]
) -> None:
    broken = tmp_path / "rules"
    broken.mkdir()
    (broken / "order_status.yaml").write_text("id: order_status\n")
    result = _wooconnect(tmp_path, *command, env=_environment())

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "wooconnect: the rules in rules do not validate: rules/order_status.yaml:"
    )
    assert "wooconnect rules check rules" in line


def test_a_worker_refuses_rules_that_cannot_be_used(tmp_path: Path) -> None:
    env = _environment(
        WOOCONNECT_RULES_DIR=str(tmp_path / "nowhere"),
        WOOCONNECT_REDIS_URL="redis://127.0.0.1:1/0",
    )
    result = _wooconnect(tmp_path, "worker", env=env)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "does not exist" in line

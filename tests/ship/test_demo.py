"""`wooconnect demo`, run as a user would: a subprocess on free ports, unattended."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from wooconnect.adapters.cli.demo import progress_line

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# A store small enough to import in a few seconds on a busy CI machine.
SMALL_STORE = ("--customers", "40", "--orders", "200")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _demo(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / ".ci" / "pythonpath")
        + os.pathsep
        + os.environ.get("PYTHONPATH", ""),
        "PYTHONUNBUFFERED": "1",
    }
    # Run where a user would, outside the repository: the rules shipped with the package.
    for name in (
        "WOOCONNECT_DATABASE_URL",
        "WOOCONNECT_REDIS_URL",
        "WOOCONNECT_ADMIN_TOKEN",
        "WOOCONNECT_RULES_DIR",
    ):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "wooconnect.adapters.cli.main",
        "demo",
        "--port",
        str(_free_port()),
    ]
    return subprocess.Popen(
        [*command, "--var-dir", str(tmp_path / "var"), "--interval", "0.5", *SMALL_STORE, *extra],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_an_unattended_demo_imports_shows_orders_and_triggers_then_exits_cleanly(
    tmp_path: Path,
) -> None:
    process = _demo(tmp_path, "--duration", "20")
    out, err = process.communicate(timeout=120)

    assert process.returncode == 0, out + err
    assert "Importing [" in out
    assert "100%" in out
    assert "orders        " in out
    assert "imported" in out
    assert "store   ▶ order #" in out
    assert "trigger ◀ order_submitted" in out
    assert "trigger ◀ payment_received" in out
    assert "wooconnect console" in out
    assert "/schema" in out
    assert "Traceback" not in out + err
    assert out.rstrip().endswith("Bye.")


def test_ctrl_c_in_the_middle_of_the_live_traffic_stops_everything_without_a_traceback(
    tmp_path: Path,
) -> None:
    process = _demo(tmp_path)
    assert process.stdout is not None
    seen: list[str] = []
    live = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if "store   ▶" in line:
                live.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert live.wait(timeout=90), "".join(seen)
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=5)
    err = process.stderr.read() if process.stderr else ""

    assert process.returncode in (0, 130), "".join(seen) + err
    assert "Traceback" not in "".join(seen) + err
    assert "Bye." in "".join(seen)


def test_the_progress_line_shows_a_bar_the_share_done_and_each_entity() -> None:
    line = progress_line(
        [
            {"entity": "contacts", "status": "completed", "total": 40, "done": 38, "skipped": 2},
            {"entity": "orders", "status": "running", "total": 150, "done": 60, "skipped": 0},
            {"entity": "transactions", "status": "queued", "total": None, "done": 0},
        ]
    )

    assert line.startswith("Importing [")
    assert "contacts 40/40 ✓" in line
    assert "orders 60/150" in line
    assert "transactions 0/?" in line
    assert "53%" in line

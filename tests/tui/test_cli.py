"""`wooconnect console`: options and their defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from wooconnect.adapters.cli import console
from wooconnect.adapters.cli.main import build_parser


def test_the_console_command_is_registered() -> None:
    args = build_parser().parse_args(["console", "--url", "http://h:1", "--token", "t"])
    assert args.handler is console.run
    assert (args.url, args.token) == ("http://h:1", "t")


def test_the_url_defaults_to_the_console_url_then_the_public_url() -> None:
    assert console.default_url({}) == "http://127.0.0.1:8000"
    assert console.default_url({"WOOCONNECT_PUBLIC_URL": "http://p"}) == "http://p"
    env = {"WOOCONNECT_PUBLIC_URL": "http://p", "WOOCONNECT_CONSOLE_URL": "http://c"}
    assert console.default_url(env) == "http://c"


def test_the_token_comes_from_the_environment_or_the_embedded_token_file(tmp_path: Path) -> None:
    assert console.default_token({"WOOCONNECT_ADMIN_TOKEN": "env"}) == "env"
    assert console.default_token({"WOOCONNECT_VAR_DIR": str(tmp_path)}) is None
    (tmp_path / "admin.token").write_text("wc_admin_file\n")
    assert console.default_token({"WOOCONNECT_VAR_DIR": str(tmp_path)}) == "wc_admin_file"


def test_without_a_token_it_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WOOCONNECT_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("WOOCONNECT_VAR_DIR", str(tmp_path))
    args = build_parser().parse_args(["console"])
    assert console.run(args) == 2
    assert "no admin token" in capsys.readouterr().err
